//! Opal requests (`GET /requests`), linted with the default policy: every request status,
//! every approving reviewer, a group target, detection by shape, and a file of another shape.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{grantlint, json, stderr};

use serde_json::Value;

const REQUESTS: &str = "fixtures/opal/requests.json";

/// Lints the fixture with `--source opal`, checks that detection by shape reads it the same,
/// and returns the report.
fn lint(args: &[&str]) -> Value {
    let mut named_args = vec!["--source", "opal"];
    named_args.extend_from_slice(args);
    let (code, named) = json(&named_args);
    assert_eq!(code, 1, "{named:#}");
    let (_, detected) = json(args);
    assert_eq!(named, detected, "detection differs from --source opal");
    named
}

/// Each finding as `grant rule line:column`, the grant id shortened to its last two digits.
fn findings(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let grant = f["grant"].as_str().unwrap();
            format!(
                "{} {} {}:{}",
                &grant[grant.len() - 2..],
                f["rule"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect()
}

#[test]
fn requests_map_reviewers_duration_and_targets() {
    let report = lint(&[REQUESTS]);
    assert_eq!(report["summary"]["grants"], 4);
    assert_eq!(
        report["summary"]["skipped"], 3,
        "one pending, one denied, one canceled"
    );
    assert_eq!(
        findings(&report),
        [
            // Two reviewers approved, a specific reason, one hour: only the warnings.
            "01 owner-named 3:5",
            "01 ticket-linked 3:5",
            "02 owner-named 28:5",
            "02 ticket-linked 28:5",
            // 480 minutes, at duration_minutes.
            "02 window-max 36:27",
            // The requester is the reviewer who approved.
            "02 self-approval 46:65",
            // duration_minutes -1: indefinite access.
            "03 expiry-required 51:5",
            "03 owner-named 51:5",
            "03 ticket-linked 51:5",
            // target_group_id: a group, not a person.
            "03 shared-account 56:26",
            // Approved, but no listed reviewer approved it.
            "04 approver-named 73:5",
            "04 owner-named 73:5",
            "04 ticket-linked 73:5",
            "04 reason-specific 80:17",
            // Two requested items: two targets in one grant.
            "04 tenant-specific 83:70",
        ]
    );
}

#[test]
fn a_group_target_is_not_a_personal_grantee() {
    let report = lint(&[REQUESTS]);
    let shared: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "shared-account")
        .collect();
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0]["field"], "account_type");
    assert_eq!(
        shared[0]["message"],
        "account type `group` hides who used the access"
    );
}

#[test]
fn every_approving_reviewer_is_an_approval() {
    let dir = tempfile::tempdir().unwrap();
    // Bob is known; Carol, who approved two requests, is not; Dan's review is still pending.
    std::fs::write(
        dir.path().join("people.yaml"),
        "- name: Bob Reviewer\n  aliases: [2c7a1b3d-4e5f-4a6b-9c7d-8e9f0a1b2c02]\n- name: Alice Engineer\n  aliases: [1b6f0a2e-3c4d-4e5f-8a9b-0c1d2e3f4a01]\n",
    )
    .unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nextends: default\npeople: people.yaml\n",
    )
    .unwrap();
    let report = lint(&["--policy", policy.to_str().unwrap(), REQUESTS]);
    let approvers: Vec<String> = findings(&report)
        .into_iter()
        .filter(|f| f.contains("approver-named"))
        .collect();
    assert_eq!(
        approvers,
        [
            // Carol is the second approval of request 01, after Bob's.
            "01 approver-named 23:65",
            "03 approver-named 68:66",
            "04 approver-named 73:5",
        ]
    );
}

#[test]
fn a_file_of_another_shape_names_the_place_and_the_opal_shape() {
    let out = grantlint(&[
        "check",
        "--color",
        "never",
        "--source",
        "opal",
        "fixtures/okta/requests-list.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "fixtures/okta/requests-list.json:1:1: found a mapping; expected Opal requests"
        ),
        "{err}"
    );
    let out = grantlint(&[
        "check",
        "--color",
        "never",
        "--source",
        "opal",
        "fixtures/okta/requests-full.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "requests-full.json:2:3: this item has neither `requester_id` nor `target_user_id`"
        ),
        "{err}"
    );
}

#[test]
fn explain_source_opal_names_its_fields_states_and_gaps() {
    let out = grantlint(&["explain", "--source", "opal"]);
    assert_eq!(out.status.code(), Some(0));
    let docs = String::from_utf8_lossy(&out.stdout).into_owned();
    for said in [
        "### Opal (`--source opal`)",
        "| `reviewer_stages[].stages[].reviewers[].id` | approver |",
        "| `DENIED, CANCELED` | denied",
        "What this export cannot say:",
    ] {
        assert!(docs.contains(said), "{said}: {docs}");
    }
    // Its docs/sources page shows the same: tests/sources.rs, for every system.
}

#[test]
fn a_duration_that_is_not_minutes_is_a_located_field_format_finding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requests.json");
    std::fs::write(
        &path,
        "{\"requests\": [\n  {\"id\": \"r1\", \"requester_id\": \"u1\", \"target_user_id\": \"u1\", \"status\": \"APPROVED\",\n   \"reason\": \"x\", \"created_at\": \"2026-11-24T09:00:00Z\", \"duration_minutes\": \"2h\"}\n]}\n",
    )
    .unwrap();
    let (code, report) = json(&["--source", "opal", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    let format: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "field-format")
        .collect();
    assert_eq!(format.len(), 1, "{report:#}");
    assert_eq!(
        format[0]["message"],
        "duration_minutes `2h` is not a whole number of minutes"
    );
    assert_eq!(
        (format[0]["line"].as_u64(), format[0]["column"].as_u64()),
        (Some(3), Some(77))
    );
}
