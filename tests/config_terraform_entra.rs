//! Entra PIM settings kept in Terraform (fixtures/config/terraform/entra.tf and entra-plan.json,
//! see fixtures/config/README.md): `azurerm_role_management_policy` and
//! `azuread_group_role_management_policy` are judged as the Graph policies they write, under
//! the same rules, each finding at the argument's place and named by the resource's address.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod config_common;
use common::{NOW, grantlint, json, placed_findings, stdout};
use config_common::{
    every_format_carries, fixture_with, owned, tf_input_error, tf_input_error_under, tf_outcome,
};

const SOURCE: &str = "fixtures/config/terraform/entra.tf";
const PLAN: &str = "fixtures/config/terraform/entra-plan.json";
const POLICY: &str = "fixtures/config/terraform/entra-policy.yaml";
const OWNER: &str = "azurerm_role_management_policy.prod_owner";
const TEST: &str = "azurerm_role_management_policy.test_contributor";
const ONCALL: &str = "azuread_group_role_management_policy.oncall_members";

fn check_source(policy: &str) -> (i32, serde_json::Value) {
    json(&["--policy", policy, "--source", "entra-pim-policy", SOURCE])
}

#[test]
fn tf_source_breaking_the_policy_is_found_at_each_argument_or_its_block() {
    let (code, report) = check_source(POLICY);
    assert_eq!(code, 1);
    assert_eq!(
        placed_findings(&report),
        owned(&[
            // prod_owner: no `require_ticket_info` in its activation_rules block (line 10).
            ("ticket-linked", OWNER, 10, 3),
            ("window-max", OWNER, 11, 29),
            ("approver-named", OWNER, 12, 29),
            ("admin-justified", OWNER, 13, 29),
            ("reason-specific", OWNER, 13, 29),
            ("expiry-required", OWNER, 17, 27),
            // Its active_assignment_rules sets expire_after but not expiration_required.
            ("expiry-required", OWNER, 20, 3),
            // oncall_members: no active_assignment_rules block at all, and a group approves.
            ("expiry-required", ONCALL, 86, 1),
            ("approver-named", ONCALL, 97, 21),
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
        format!(
            "PIM policy `{OWNER}` lets an activation last 12h: access window is 12h, above the 4h maximum"
        )
    );
    assert_eq!(
        messages[0],
        format!(
            "PIM policy `{OWNER}` does not require ticket information to activate (`activation_rules.require_ticket_info` is not set: Terraform keeps whatever Azure has): no ticket or case linked"
        )
    );
    // The mapping names Azure's Owner role, which admin-justified takes for privileged.
    assert!(
        messages[3].contains("lets `Owner` be activated"),
        "{}",
        messages[3]
    );
    assert_eq!(
        report["findings"][0]["tenant"],
        "/subscriptions/6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c"
    );
}

#[test]
fn the_team_policy_allows_a_working_day_without_a_ticket_on_the_test_subscription_only() {
    let dir = tempfile::tempdir().unwrap();
    let strict = dir.path().join("strict.yaml");
    // The same policy without its override.
    let text = std::fs::read_to_string(POLICY).unwrap();
    let text = text.split("overrides:").next().unwrap();
    std::fs::write(&strict, text).unwrap();
    let (_, report) = check_source(strict.to_str().unwrap());
    let test: Vec<(String, String, u64, u64)> = placed_findings(&report)
        .into_iter()
        .filter(|f| f.1 == TEST)
        .collect();
    assert_eq!(
        test,
        owned(&[
            ("window-max", TEST, 61, 29),
            ("ticket-linked", TEST, 63, 29)
        ])
    );
    // With the override, prod_reader (compliant) and test_contributor pass alike.
    let (_, report) = check_source(POLICY);
    let named: Vec<String> = placed_findings(&report).into_iter().map(|f| f.1).collect();
    assert!(
        !named
            .iter()
            .any(|g| g == TEST || g.ends_with("prod_reader"))
    );
}

#[test]
fn a_plan_is_judged_on_its_planned_values_which_know_what_azure_has() {
    let (code, report) = json(&["--policy", POLICY, PLAN]);
    assert_eq!(code, 1);
    assert_eq!(
        placed_findings(&report),
        owned(&[
            ("window-max", OWNER, 298, 35),
            ("approver-named", OWNER, 299, 35),
            ("admin-justified", OWNER, 300, 40),
            ("reason-specific", OWNER, 300, 40),
            // Not in the .tf, but the plan carries Azure's value: false.
            ("ticket-linked", OWNER, 302, 38),
            ("expiry-required", OWNER, 318, 38),
            // The active assignments' expiration_required is true in Azure: no finding, unlike
            // in the .tf file, which leaves it unset.
            // A policy being created: its active assignment rules are not known yet.
            ("expiry-required", ONCALL, 496, 18),
            ("approver-named", ONCALL, 503, 36),
        ])
    );
    assert_eq!(
        report["findings"][2]["message"],
        format!(
            "PIM policy `{OWNER}` lets `Owner` be activated without a justification: privileged role `Owner` has no admin_justification"
        )
    );
}

#[test]
fn every_format_carries_the_resource_address_and_the_planned_line() {
    every_format_carries(PLAN, OWNER, OWNER, 298, 35);
}

#[test]
fn sarif_and_github_point_at_the_tf_line_and_name_the_resource() {
    let run = |format: &str| {
        let out = grantlint(&[
            "check",
            "--now",
            NOW,
            "--format",
            format,
            "--policy",
            POLICY,
            "--source",
            "entra-pim-policy",
            SOURCE,
        ]);
        assert_eq!(out.status.code(), Some(1));
        stdout(&out)
    };
    let github = run("github");
    assert!(
        github.contains(&format!(
            "::error file={SOURCE},line=11,endLine=11,col=29,endColumn=35,title=grantlint window-max ({OWNER})::PIM policy `{OWNER}` lets an activation last 12h"
        )),
        "{github}"
    );
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let window = results
        .iter()
        .find(|r| r["ruleId"] == "window-max")
        .unwrap();
    let location = &window["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], SOURCE);
    assert_eq!(location["region"]["startLine"], 11);
    assert_eq!(location["region"]["startColumn"], 29);
    assert!(window.to_string().contains(OWNER), "{window}");
}

#[test]
fn a_policy_that_sets_nothing_is_judged_for_what_azure_may_have_at_the_resource() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.tf");
    std::fs::write(
        &path,
        "resource \"azurerm_role_management_policy\" \"bare\" {\n  scope              = \"/subscriptions/x\"\n  role_definition_id = \"r\"\n}\n",
    )
    .unwrap();
    let (code, report) = json(&["--source", "entra-pim-policy", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    let bare = "azurerm_role_management_policy.bare";
    let found = placed_findings(&report);
    let rules: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        rules,
        // All at one place: in rule order.
        [
            "approver-named",
            "expiry-required",
            "expiry-required",
            "reason-specific",
            "ticket-linked",
            "window-max"
        ]
    );
    // Every one at the resource: no block holds the argument.
    assert!(
        found.iter().all(|f| f.1 == bare && (f.2, f.3) == (1, 1)),
        "{found:?}"
    );
    let window = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "window-max")
        .unwrap();
    assert_eq!(
        window["message"],
        format!(
            "PIM policy `{bare}` lets an activation last up to 1d, the longest the providers accept (`activation_rules.maximum_duration` is not set: Terraform keeps whatever Azure has): access window is 1d, above the 4h maximum"
        )
    );
}

#[test]
fn a_role_named_through_a_data_source_of_the_file_is_that_role() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.tf");
    // As the azurerm documentation's example writes it.
    std::fs::write(
        &path,
        "data \"azurerm_role_definition\" \"owner\" {\n  name  = \"Owner\"\n  scope = azurerm_resource_group.example.id\n}\n\nresource \"azurerm_role_management_policy\" \"rg_owner\" {\n  scope              = azurerm_resource_group.example.id\n  role_definition_id = data.azurerm_role_definition.owner.id\n  activation_rules {\n    maximum_duration      = \"PT8H\"\n    require_justification = false\n  }\n}\n",
    )
    .unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\noverrides:\n  - match: {role: Owner}\n    rules: {window-max: {max: 12h}}\n",
    )
    .unwrap();
    let file = path.to_str().unwrap();
    let (_, report) = json(&["--source", "entra-pim-policy", file]);
    let findings = report["findings"].as_array().unwrap();
    let admin = findings
        .iter()
        .find(|f| f["rule"] == "admin-justified")
        .unwrap();
    assert!(
        admin["message"]
            .as_str()
            .unwrap()
            .contains("lets `Owner` be activated without a justification"),
        "{admin}"
    );
    assert!(findings.iter().any(|f| f["rule"] == "window-max"));
    // The override by role applies: 8h is within Owner's 12h.
    let (_, report) = json(&[
        "--policy",
        policy.to_str().unwrap(),
        "--source",
        "entra-pim-policy",
        file,
    ]);
    let rules: Vec<String> = placed_findings(&report).into_iter().map(|f| f.0).collect();
    assert!(!rules.iter().any(|r| r == "window-max"), "{rules:?}");
    assert!(rules.iter().any(|r| r == "admin-justified"), "{rules:?}");
}

/// The error a `.tf` file holding `tf` stops with, under `--source entra-pim-policy`.
fn tf_error(tf: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.tf");
    std::fs::write(&path, tf).unwrap();
    let file = path.to_str().unwrap();
    let out = grantlint(&["check", "--source", "entra-pim-policy", file]);
    assert_eq!(out.status.code(), Some(2));
    common::stderr(&out)
}

#[test]
fn a_setting_from_a_variable_is_said_to_be_known_only_in_a_plan() {
    let err = tf_error(
        "resource \"azurerm_role_management_policy\" \"p\" {\n  scope              = \"/subscriptions/x\"\n  role_definition_id = \"r\"\n  activation_rules {\n    require_approval = var.approval\n  }\n}\n",
    );
    assert!(err.contains("main.tf:5:24"), "{err}");
    assert!(err.contains("known only in a plan"), "{err}");
    let err = tf_error(
        "resource \"azuread_group_role_management_policy\" \"p\" {\n  group_id = \"g\"\n  role_id  = \"member\"\n  activation_rules {\n    maximum_duration = local.longest\n  }\n}\n",
    );
    assert!(err.contains("main.tf:5:24"), "{err}");
    // Checked in parts: the terminal may wrap the message after the file's name.
    assert!(err.contains("activation_rules.maximum_duration"), "{err}");
    assert!(err.contains("`local.longest` is not a duration"), "{err}");
}

#[test]
fn a_tf_file_without_pim_policies_is_said_to_hold_none() {
    let err = tf_error("resource \"azurerm_resource_group\" \"rg\" {\n  name = \"rg\"\n}\n");
    // The message names both types (the terminal may wrap it between them).
    assert!(err.contains("this Terraform file has no"), "{err}");
    for kind in [
        "`azurerm_role_management_policy`",
        "`azuread_group_role_management_policy`",
    ] {
        assert!(err.contains(kind), "{err}");
    }
}

/// (rule, line, message) of the findings of a `.tf` file holding `tf`.
fn tf_findings(tf: &str) -> Vec<(String, u64, String)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.tf");
    std::fs::write(&path, tf).unwrap();
    let (_, report) = json(&["--source", "entra-pim-policy", path.to_str().unwrap()]);
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn approval_without_known_approvers_is_a_finding_where_they_would_be_written() {
    let policy = |stages: &str| {
        format!(
            "resource \"azurerm_role_management_policy\" \"p\" {{\n  scope              = \"/subscriptions/x\"\n  role_definition_id = \"r\"\n  activation_rules {{\n    maximum_duration      = \"PT1H\"\n    require_justification = true\n    require_ticket_info   = true\n    require_approval      = true\n{stages}  }}\n  eligible_assignment_rules {{\n    expiration_required = true\n  }}\n  active_assignment_rules {{\n    expiration_required = true\n  }}\n}}\n"
        )
    };
    let approvers = |stages: &str| -> Vec<(u64, String)> {
        tf_findings(&policy(stages))
            .into_iter()
            .filter(|f| f.0 == "approver-named")
            .map(|f| (f.1, f.2))
            .collect()
    };
    // A named person: nothing to find.
    let named = "    approval_stage {\n      primary_approver {\n        object_id = \"3d5e7f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f\"\n        type      = \"User\"\n      }\n    }\n";
    assert_eq!(approvers(named), []);
    // Stages from a `dynamic` block: at `require_approval`.
    let dynamic = "    dynamic \"approval_stage\" {\n      for_each = var.stages\n      content {\n        primary_approver {\n          object_id = approval_stage.value\n          type      = \"User\"\n        }\n      }\n    }\n";
    let found = approvers(dynamic);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 8);
    assert!(found[0].1.contains("no approval stage"), "{found:?}");
    // An approver from a reference: at its `object_id`.
    let reference = "    approval_stage {\n      primary_approver {\n        object_id = azuread_user.alice.object_id\n        type      = \"User\"\n      }\n    }\n";
    let found = approvers(reference);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 11);
    assert!(found[0].1.contains("not known until apply"), "{found:?}");
    // A type from a variable: whether the id is a person's is not known, at its `type`.
    let typed = "    approval_stage {\n      primary_approver {\n        object_id = \"3d5e7f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f\"\n        type      = var.approver_type\n      }\n    }\n";
    let found = approvers(typed);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 12);
    assert!(found[0].1.contains("not known until apply"), "{found:?}");
    // Approvers from a `dynamic` block: at its label, not the default approvers.
    let dynamic = "    approval_stage {\n      dynamic \"primary_approver\" {\n        for_each = var.approvers\n        content {\n          object_id = primary_approver.value\n          type      = \"User\"\n        }\n      }\n    }\n";
    let found = approvers(dynamic);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 10);
    assert!(found[0].1.contains("not known until apply"), "{found:?}");
    // Left out (as a plan leaves out an id known only after apply): at the approver.
    let absent =
        "    approval_stage {\n      primary_approver {\n        type = \"User\"\n      }\n    }\n";
    let found = approvers(absent);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 10);
}

#[test]
fn an_azure_built_in_role_is_named_by_its_guid_without_a_mapping() {
    for (guid, role) in [
        ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
        (
            "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
            "Role Based Access Control Administrator",
        ),
    ] {
        let found = tf_findings(&format!(
            "resource \"azurerm_role_management_policy\" \"p\" {{\n  scope              = \"/subscriptions/x\"\n  role_definition_id = \"/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{guid}\"\n  activation_rules {{\n    require_justification = false\n  }}\n}}\n"
        ));
        let admin: Vec<&String> = found
            .iter()
            .filter(|f| f.0 == "admin-justified")
            .map(|f| &f.2)
            .collect();
        assert_eq!(admin.len(), 1, "{found:?}");
        assert!(
            admin[0].contains(&format!("lets `{role}` be activated")),
            "{admin:?}"
        );
    }
}

#[test]
fn a_role_from_a_variable_is_an_error_at_its_place() {
    for (from, to, line, column, message) in [
        (
            "role_definition_id = \"/subscriptions/6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635\"",
            "role_definition_id = var.owner_role",
            8,
            24,
            "`role_definition_id` is `var.owner_role`, not written out",
        ),
        (
            "role_id  = \"member\"",
            "role_id  = local.role",
            88,
            14,
            "`role_id` is `local.role`, not written out",
        ),
    ] {
        let tf = fixture_with(SOURCE, &[(from, to)]);
        let error = (line, column, message.to_string());
        assert_eq!(tf_input_error("entra-pim-policy", &tf), error, "{to}");
    }
}

#[test]
fn expressions_no_check_reads_leave_the_findings_as_they_were() {
    let (_, fixture) = tf_outcome(
        "entra-pim-policy",
        &std::fs::read_to_string(SOURCE).unwrap(),
    );
    let text = fixture_with(
        SOURCE,
        &[
            (
                "scope              = \"/subscriptions/6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c\"",
                "scope              = var.subscription",
            ),
            (
                "group_id = \"9c8b7a6d-5e4f-4a3b-8c2d-1e0f2a3b4c5d\"",
                "group_id = azuread_group.oncall.id",
            ),
            ("expire_after = \"P90D\"", "expire_after = var.expiry"),
        ],
    );
    let (code, outcome) = tf_outcome("entra-pim-policy", &text);
    assert_eq!(code, 1);
    assert!(outcome.len() > 5, "{outcome:?}");
    assert_eq!(outcome, fixture);
}

#[test]
fn a_scope_or_group_from_an_expression_under_a_tenant_override_is_an_error_at_its_place() {
    let policy = std::fs::read_to_string(POLICY).unwrap();
    for (from, to, line, column, what, object) in [
        (
            "scope              = \"/subscriptions/0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d\"",
            "scope              = \"/subscriptions/${var.test_subscription}\"",
            57,
            24,
            "`scope` is `\"/subscriptions/${var.test_subscription}\"`",
            TEST,
        ),
        (
            "group_id = \"9c8b7a6d-5e4f-4a3b-8c2d-1e0f2a3b4c5d\"",
            "group_id = azuread_group.oncall.id",
            87,
            14,
            "`group_id` is `azuread_group.oncall.id`",
            ONCALL,
        ),
    ] {
        let tf = fixture_with(SOURCE, &[(from, to)]);
        let message = format!(
            "{what}, not written out, and the policy's overrides match on tenant: PIM policy `{object}` cannot be placed under them"
        );
        let error = tf_input_error_under(Some(&policy), "entra-pim-policy", &tf);
        assert_eq!(error, (line, column, message), "{to}");
    }
}
