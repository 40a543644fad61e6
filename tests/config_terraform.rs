//! Terraform for Google Cloud PAM (fixtures/config/terraform, see fixtures/config/README.md):
//! a plan's `google_privileged_access_manager_entitlement` resources are judged as the
//! entitlements they will be, named by their address.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod config_common;
use common::{grantlint, json, placed_findings};
use config_common::{
    failing_report, fixture_with, owned, plan_unknown_error, tf_input_error, tf_input_error_under,
    tf_outcome, tf_outcome_under,
};

const PLAN: &str = "fixtures/config/terraform/plan.json";
const PROD: &str = "google_privileged_access_manager_entitlement.prod_db_admin";
const SANDBOX: &str = "module.sandbox.google_privileged_access_manager_entitlement.sandbox_owner";

#[test]
fn a_plan_raising_a_duration_fails_at_the_planned_value() {
    let (code, report) = json(&[PLAN]);
    assert_eq!(code, 1);
    assert_eq!(
        placed_findings(&report),
        owned(&[
            // The change raises 3600s to 86400s: the planned value, not the one before.
            ("ticket-linked", PROD, 93, 18),
            ("window-max", PROD, 126, 35),
            // A new entitlement in a module: no approval, `not_mandatory`, roles/owner.
            ("ticket-linked", SANDBOX, 173, 18),
            ("approver-named", SANDBOX, 175, 11),
            ("admin-justified", SANDBOX, 196, 31),
            ("reason-specific", SANDBOX, 205, 15),
        ])
    );
    let window = &report["findings"][1];
    assert_eq!(
        window["message"],
        "entitlement `prod-db-admin` lets a grant last 1d: access window is 1d, above the 4h maximum"
    );
    assert_eq!(
        window["tenant"],
        "//cloudresourcemanager.googleapis.com/projects/acme-prod"
    );
}

#[test]
fn a_plan_without_changes_is_read_from_its_planned_values() {
    let text = std::fs::read_to_string(PLAN).unwrap();
    let mut plan: serde_json::Value = serde_json::from_str(&text).unwrap();
    plan.as_object_mut().unwrap().remove("resource_changes");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
    let (code, report) = json(&[path.to_str().unwrap()]);
    // 3600s, a justification and a named approver: only the ticket PAM cannot require.
    assert_eq!(code, 0);
    let rules: Vec<String> = placed_findings(&report).into_iter().map(|f| f.0).collect();
    assert_eq!(rules, ["ticket-linked"]);
}

#[test]
fn a_plan_without_entitlements_is_said_to_hold_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(
        &path,
        "{\"format_version\": \"1.2\", \"terraform_version\": \"1.9.8\", \"resource_changes\": []}\n",
    )
    .unwrap();
    let out = grantlint(&[
        "check",
        "--source",
        "gcp-pam-entitlement",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(
        err.contains("no `google_privileged_access_manager_entitlement` resource"),
        "{err}"
    );
}

#[test]
fn github_annotates_the_planned_line() {
    let text = failing_report("github", None, PLAN);
    assert!(
        text.contains(&format!(
            "::error file={PLAN},line=126,endLine=126,col=35,endColumn=42,title=grantlint window-max ({PROD})::"
        )),
        "{text}"
    );
}

const SOURCE: &str = "fixtures/config/terraform/main.tf";

#[test]
fn tf_source_is_read_through_hcl_and_findings_point_at_its_attributes() {
    let (code, report) = json(&["--source", "gcp-pam-entitlement", SOURCE]);
    assert_eq!(code, 1);
    let sandbox = "google_privileged_access_manager_entitlement.sandbox_owner";
    assert_eq!(
        placed_findings(&report),
        owned(&[
            ("ticket-linked", PROD, 4, 1),
            // `max_request_duration = "86400s"` on line 8.
            ("window-max", PROD, 8, 26),
            ("ticket-linked", sandbox, 41, 1),
            ("admin-justified", sandbox, 56, 16),
            ("reason-specific", sandbox, 62, 5),
            ("approver-named", sandbox, 70, 25),
        ])
    );
}

#[test]
fn github_annotates_the_tf_line_a_pull_request_changed() {
    let text = failing_report("github", Some("gcp-pam-entitlement"), SOURCE);
    assert!(
        text.contains(&format!(
            "::error file={SOURCE},line=8,endLine=8,col=26,endColumn=33,title=grantlint window-max ({PROD})::entitlement `prod-db-admin` lets a grant last 1d"
        )),
        "{text}"
    );
}

#[test]
fn a_duration_from_a_variable_is_said_to_be_known_only_in_a_plan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.tf");
    std::fs::write(
        &path,
        "resource \"google_privileged_access_manager_entitlement\" \"e\" {\n  max_request_duration = var.duration\n}\n",
    )
    .unwrap();
    let out = grantlint(&[
        "check",
        "--source",
        "gcp-pam-entitlement",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("main.tf:2:26"), "{err}");
    assert!(err.contains("known only in a plan"), "{err}");
}

#[test]
fn broken_hcl_is_an_error_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.tf");
    std::fs::write(&path, "resource \"x\" \"y\" {\n  a = \n").unwrap();
    let out = grantlint(&[
        "check",
        "--source",
        "gcp-pam-entitlement",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("not HCL"), "{err}");
}

#[test]
fn an_approver_role_or_block_from_a_variable_is_an_error_at_its_place() {
    let list = "`approval_workflow.manual_approvals.steps[].approvers[].principals`";
    for (from, to, line, column, message) in [
        (
            "principals = [\"user:ravi.patel@acme.example\"]",
            "principals = [\"user:ravi.patel@acme.example\", var.approvers]",
            34,
            57,
            format!("an item of {list} is `var.approvers`, not written out"),
        ),
        (
            "principals = [\"group:sre-leads@acme.example\"]",
            "principals = var.approvers",
            70,
            24,
            format!("{list} is `var.approvers`, not a list written out"),
        ),
        (
            // Approvers from a `dynamic` block: at its label.
            "approvers {\n          principals = [\"user:ravi.patel@acme.example\"]\n        }",
            "dynamic \"approvers\" {\n          for_each = var.approver_sets\n          content {\n            principals = approvers.value\n          }\n        }",
            33,
            17,
            "`approval_workflow.manual_approvals.steps[].approvers` is `dynamic \"approvers\"`, not a list written out"
                .to_string(),
        ),
        (
            "unstructured {}",
            "dynamic \"unstructured\" {\n      for_each = var.ask ? [1] : []\n      content {}\n    }",
            25,
            13,
            "`requester_justification_config.unstructured` is `dynamic \"unstructured\"`, not a list written out"
                .to_string(),
        ),
        (
            "role = \"roles/cloudsql.admin\"",
            "role = var.role",
            19,
            16,
            "`privileged_access.gcp_iam_access.role_bindings[].role` is `var.role`, not written out"
                .to_string(),
        ),
        (
            "approvals_needed = 1",
            "approvals_needed = var.n",
            32,
            28,
            "`approval_workflow.manual_approvals.steps[].approvals_needed` is `var.n`, not written out"
                .to_string(),
        ),
    ] {
        let tf = fixture_with(SOURCE, &[(from, to)]);
        let error = tf_input_error("gcp-pam-entitlement", &tf);
        assert_eq!(error, (line, column, message), "{to}");
    }
}

#[test]
fn expressions_no_check_reads_leave_the_findings_as_they_were() {
    let (_, fixture) = tf_outcome(
        "gcp-pam-entitlement",
        &std::fs::read_to_string(SOURCE).unwrap(),
    );
    let tf = fixture_with(
        SOURCE,
        &[
            (
                "parent               = \"projects/acme-prod\"",
                "parent               = var.project",
            ),
            (
                "location             = \"global\"",
                "location             = var.location",
            ),
            (
                "principals = [\"group:support-engineers@acme.example\"]",
                "principals = [var.eligible]",
            ),
            (
                "resource_type = \"cloudresourcemanager.googleapis.com/Project\"",
                "resource_type = local.project_type",
            ),
            (
                "require_approver_justification = true",
                "require_approver_justification = var.why",
            ),
        ],
    );
    let (code, outcome) = tf_outcome("gcp-pam-entitlement", &tf);
    assert_eq!(code, 1);
    assert_eq!(outcome.len(), 6);
    assert_eq!(outcome, fixture);
}

/// 4h at most, 1h on the production project.
const TENANT_OVERRIDE: &str = "version: 1\nrules:\n  window-max: {max: 4h}\noverrides:\n  - match: {tenant: \"*/projects/acme-prod\"}\n    rules: {window-max: {max: 1h}}\n";
const PROD_RESOURCE: &str =
    "resource      = \"//cloudresourcemanager.googleapis.com/projects/acme-prod\"";
const PROD_PARENT: &str = "parent               = \"projects/acme-prod\"";

#[test]
fn a_tenant_from_an_expression_under_a_tenant_override_is_an_error_at_its_place() {
    let tf = fixture_with(
        SOURCE,
        &[(
            PROD_RESOURCE,
            "resource      = \"//cloudresourcemanager.googleapis.com/projects/${var.project}\"",
        )],
    );
    let (line, column, message) =
        tf_input_error_under(Some(TENANT_OVERRIDE), "gcp-pam-entitlement", &tf);
    assert_eq!((line, column), (17, 23));
    assert_eq!(
        message,
        "`privileged_access.gcp_iam_access.resource` is `\"//cloudresourcemanager.googleapis.com/projects/${var.project}\"`, not written out, and the policy's overrides match on tenant: entitlement `prod-db-admin` cannot be placed under them"
    );
    // The whole project from a variable, with the parent that names the same project.
    let tf = fixture_with(
        SOURCE,
        &[
            (
                PROD_PARENT,
                "parent               = \"projects/${var.project}\"",
            ),
            (PROD_RESOURCE, "resource      = local.project"),
        ],
    );
    let (line, column, _) = tf_input_error_under(Some(TENANT_OVERRIDE), "gcp-pam-entitlement", &tf);
    assert_eq!((line, column), (17, 23));
}

#[test]
fn a_tenant_from_an_expression_without_a_tenant_override_is_linted_as_before() {
    let fixture = std::fs::read_to_string(SOURCE).unwrap();
    let tf = fixture_with(
        SOURCE,
        &[
            (
                PROD_PARENT,
                "parent               = \"projects/${var.project}\"",
            ),
            (
                PROD_RESOURCE,
                "resource      = \"//cloudresourcemanager.googleapis.com/projects/${var.project}\"",
            ),
        ],
    );
    let (_, before) = tf_outcome("gcp-pam-entitlement", &fixture);
    assert_eq!(tf_outcome("gcp-pam-entitlement", &tf), (1, before));
    // The parent names where the entitlement is kept; overrides match the tenant, the
    // resource access is granted on, here written out: judged under the override.
    let tf = fixture_with(
        SOURCE,
        &[(
            PROD_PARENT,
            "parent               = \"projects/${var.project}\"",
        )],
    );
    let (_, before) = tf_outcome_under(Some(TENANT_OVERRIDE), "gcp-pam-entitlement", &fixture);
    assert!(
        before.iter().any(|f| f.0 == "window-max" && f.2 == 8),
        "{before:?}"
    );
    assert_eq!(
        tf_outcome_under(Some(TENANT_OVERRIDE), "gcp-pam-entitlement", &tf),
        (1, before)
    );
}

#[test]
fn a_tenant_a_plan_knows_only_after_apply_is_an_error_under_a_tenant_override() {
    // The planned entitlement's resource is known only after apply: left out of `after`.
    let error = plan_unknown_error(
        PLAN,
        TENANT_OVERRIDE,
        (
            "\"resource\": \"//cloudresourcemanager.googleapis.com/projects/acme-prod\",",
            "\"resource\": null,",
        ),
        (
            "\"name\": true,",
            "\"name\": true, \"privileged_access\": [{\"gcp_iam_access\": [{\"resource\": true}]}],",
        ),
    );
    let message = "`privileged_access.gcp_iam_access.resource` is known only after apply (`after_unknown`), and the policy's overrides match on tenant: entitlement `prod-db-admin` cannot be placed under them";
    assert_eq!(error, (156, 80, message.to_string()));
}
