//! Teleport roles kept in Terraform (fixtures/config/terraform/teleport.tf and
//! teleport-plan.json, see fixtures/config/README.md): each `teleport_role` is judged as the
//! role it writes, by the same mapping as role YAML, each finding at the attribute's place and
//! named by the resource's address.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod config_common;
use common::{json, placed_findings};
use config_common::{
    every_format_carries, failing_report, fixture_with, owned, plan_unknown_error, tf_input_error,
    tf_input_error_under, tf_outcome, tf_outcome_under,
};

const SOURCE: &str = "fixtures/config/terraform/teleport.tf";
const PLAN: &str = "fixtures/config/terraform/teleport-plan.json";
const SUPPORT: &str = "teleport_role.support_requester";
const ONCALL: &str = "teleport_role.oncall_requester";
const TEST: &str = "teleport_role.test_requester";

#[test]
fn tf_source_roles_are_judged_as_their_yaml_is_at_each_attribute() {
    let (code, report) = json(&["--source", "teleport-role", SOURCE]);
    assert_eq!(code, 1);
    assert_eq!(
        placed_findings(&report),
        owned(&[
            // A role cannot require a ticket: at its `request` attribute.
            ("ticket-linked", SUPPORT, 18, 7),
            ("reason-specific", ONCALL, 38, 25),
            ("ticket-linked", ONCALL, 41, 7),
            ("admin-justified", ONCALL, 42, 25),
            // `max_duration = "24h"` on line 43.
            ("window-max", ONCALL, 43, 24),
            // `approve = 0` on line 44 is no finding: Teleport never approves on it.
            // No max_duration: the session's 12h.
            ("window-max", TEST, 59, 25),
            ("ticket-linked", TEST, 62, 7),
        ])
    );
    assert_eq!(
        report["findings"][4]["message"],
        format!(
            "role `{ONCALL}` lets requested access last 1d: access window is 1d, above the 4h maximum"
        )
    );
}

#[test]
fn the_team_policy_allows_the_test_labelled_role_its_working_day() {
    let (_, report) = json(&[
        "--policy",
        "fixtures/config/team-policy.yaml",
        "--source",
        "teleport-role",
        SOURCE,
    ]);
    let named: Vec<String> = placed_findings(&report).into_iter().map(|f| f.1).collect();
    assert!(!named.iter().any(|g| g == TEST), "{named:?}");
    assert!(named.iter().any(|g| g == ONCALL), "{named:?}");
}

#[test]
fn a_plan_is_judged_on_the_planned_role() {
    let (code, report) = json(&[PLAN]);
    assert_eq!(code, 1);
    assert_eq!(
        placed_findings(&report),
        owned(&[
            ("ticket-linked", ONCALL, 130, 15),
            // The change raises 2h to 24h (and approve 1 to 0, which never approves, so
            // lets nothing through): the planned values.
            ("window-max", ONCALL, 132, 33),
            ("admin-justified", ONCALL, 135, 19),
            ("reason-specific", ONCALL, 153, 33),
        ])
    );
}

#[test]
fn every_format_carries_the_resource_address_and_the_planned_line() {
    every_format_carries(PLAN, ONCALL, ONCALL, 132, 33);
}

#[test]
fn github_annotates_the_tf_line_and_names_the_resource() {
    let text = failing_report("github", Some("teleport-role"), SOURCE);
    assert!(
        text.contains(&format!(
            "::error file={SOURCE},line=43,endLine=43,col=24,endColumn=28,title=grantlint window-max ({ONCALL})::role `{ONCALL}` lets requested access last 1d"
        )),
        "{text}"
    );
}

#[test]
fn a_requestable_role_or_reviewer_from_a_variable_is_an_error_at_its_item() {
    for (from, to, line, column, message) in [
        (
            "roles               = [\"support-db-reader\"]",
            "roles               = [\"support-db-reader\", var.extra]",
            19,
            53,
            "an item of `spec.allow.request.roles` is `var.extra`, not written out",
        ),
        (
            "suggested_reviewers = [\"ravi.patel\"]",
            "suggested_reviewers = [local.lead, \"ravi.patel\"]",
            22,
            32,
            "an item of `spec.allow.request.suggested_reviewers` is `local.lead`, not written out",
        ),
        (
            "max_duration = \"24h\"",
            "max_duration = var.longest",
            43,
            24,
            "`spec.allow.request.max_duration` is `var.longest`, not written out",
        ),
    ] {
        let tf = fixture_with(SOURCE, &[(from, to)]);
        let error = (line, column, message.to_string());
        assert_eq!(tf_input_error("teleport-role", &tf), error, "{to}");
    }
}

#[test]
fn expressions_no_check_reads_leave_the_findings_as_they_were() {
    let (_, fixture) = tf_outcome("teleport-role", &std::fs::read_to_string(SOURCE).unwrap());
    let tf = fixture_with(
        SOURCE,
        &[
            ("logins = [\"support\"]", "logins = var.logins"),
            ("version = \"v7\"", "version = var.role_version"),
            ("name   = \"oncall-requester\"", "name   = local.oncall"),
            (
                "thresholds   = [{ approve = 0, deny = 1 }]",
                "thresholds   = [{ approve = var.n, deny = 1 }]",
            ),
        ],
    );
    let (code, outcome) = tf_outcome("teleport-role", &tf);
    assert_eq!(code, 1);
    assert_eq!(outcome.len(), 7);
    assert_eq!(outcome, fixture);
}

/// 4h at most, 1h for roles labelled `env: prod`.
const PROD_OVERRIDE: &str = "version: 1\nrules:\n  window-max: {max: 4h}\noverrides:\n  - match: {environment: prod}\n    rules: {window-max: {max: 1h}}\n";
/// 4h at most, and an override on the tenant only (which a role has none of).
const TENANT_OVERRIDE: &str = "version: 1\nrules:\n  window-max: {max: 4h}\noverrides:\n  - match: {tenant: acme}\n    rules: {window-max: {max: 24h}}\n";
const SUPPORT_METADATA: &str =
    "metadata = {\n    name   = \"support-requester\"\n    labels = { env = \"prod\" }\n  }";

#[test]
fn an_environment_from_an_expression_under_an_environment_override_is_an_error_at_its_place() {
    // Under the policy, the fixture's prod role with 2h requests is blamed: the override
    // applies to it.
    let (_, fixture) = tf_outcome_under(
        Some(PROD_OVERRIDE),
        "teleport-role",
        &std::fs::read_to_string(SOURCE).unwrap(),
    );
    assert!(
        fixture
            .iter()
            .any(|f| f.0 == "window-max" && f.1 == SUPPORT && f.2 == 20),
        "{fixture:?}"
    );
    let placed = format!(
        ", not written out, and the policy's overrides match on environment: role `{SUPPORT}` cannot be placed under them"
    );
    for (from, to, line, column, what) in [
        (
            "labels = { env = \"prod\" }",
            "labels = { env = var.env }",
            8,
            22,
            "`metadata.labels.env` is `var.env`",
        ),
        (
            "labels = { env = \"prod\" }",
            "labels = var.labels",
            8,
            14,
            "`metadata.labels` is `var.labels`",
        ),
        (
            "labels = { env = \"prod\" }",
            "labels = { (var.label) = \"prod\" }",
            8,
            16,
            "a key of `metadata.labels` is `(var.label)`",
        ),
        (
            SUPPORT_METADATA,
            "metadata = local.support",
            6,
            14,
            "`metadata` is `local.support`",
        ),
    ] {
        let tf = fixture_with(SOURCE, &[(from, to)]);
        let error = tf_input_error_under(Some(PROD_OVERRIDE), "teleport-role", &tf);
        assert_eq!(error, (line, column, format!("{what}{placed}")), "{to}");
    }
}

#[test]
fn an_environment_from_an_expression_without_an_environment_override_is_linted_as_before() {
    let tf = fixture_with(
        SOURCE,
        &[("labels = { env = \"prod\" }", "labels = { env = var.env }")],
    );
    let fixture = std::fs::read_to_string(SOURCE).unwrap();
    for policy in [None, Some(TENANT_OVERRIDE)] {
        let (_, before) = tf_outcome_under(policy, "teleport-role", &fixture);
        let (code, outcome) = tf_outcome_under(policy, "teleport-role", &tf);
        assert_eq!(code, 1);
        assert_eq!(outcome.len(), 7);
        assert_eq!(outcome, before, "{policy:?}");
    }
    // Under an environment override, a written `env` is the environment, whatever the
    // `environment` label next to it.
    let tf = fixture_with(
        SOURCE,
        &[(
            "labels = { env = \"prod\" }",
            "labels = { env = \"prod\", environment = var.env }",
        )],
    );
    let (_, before) = tf_outcome_under(Some(PROD_OVERRIDE), "teleport-role", &fixture);
    assert_eq!(
        tf_outcome_under(Some(PROD_OVERRIDE), "teleport-role", &tf),
        (1, before)
    );
}

#[test]
fn an_environment_a_plan_knows_only_after_apply_is_an_error_under_an_environment_override() {
    // The planned role's labels are known only after apply: left out of `after`.
    let error = plan_unknown_error(
        PLAN,
        PROD_OVERRIDE,
        (
            "\"labels\": {\n              \"env\": \"prod\"\n            },",
            "\"labels\":\n              null\n            ,",
        ),
        (
            "\"after_unknown\": {},",
            "\"after_unknown\": {\"metadata\": {\"labels\": true}},",
        ),
    );
    let message = format!(
        "`metadata.labels` is known only after apply (`after_unknown`), and the policy's overrides match on environment: role `{ONCALL}` cannot be placed under them"
    );
    assert_eq!(error, (159, 50, message));
}
