//! Okta Identity Governance access requests (`/governance/api/v2/requests`), linted with the
//! default policy: every request status, the full and the sparse request, detection by shape,
//! and a file of another shape.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{grantlint, json, stderr};

use serde_json::Value;

const FULL: &str = "fixtures/okta/requests-full.json";
const LIST: &str = "fixtures/okta/requests-list.json";

/// Lints a fixture with `--source okta`, checks that detection by shape reads it the same, and
/// returns the report.
fn lint(path: &str) -> Value {
    let (code, named) = json(&["--source", "okta", path]);
    assert_eq!(code, 1, "{named:#}");
    let (_, detected) = json(&[path]);
    assert_eq!(
        named, detected,
        "{path}: detection differs from --source okta"
    );
    named
}

/// Each finding as `grant rule line:column`.
fn findings(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}",
                f["grant"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect()
}

#[test]
fn full_requests_map_duration_decisions_justification_and_revocation() {
    let report = lint(FULL);
    assert_eq!(report["summary"]["grants"], 4);
    assert_eq!(report["summary"]["skipped"], 1, "the denied request");
    assert_eq!(
        findings(&report),
        [
            // Revoked by schedule, approved by someone else, justified: only the warnings.
            "reqC1EXPIREDOK000001 owner-named 2:3",
            "reqC1EXPIREDOK000001 ticket-linked 2:3",
            "reqC2SELFAPPROVED002 owner-named 33:3",
            "reqC2SELFAPPROVED002 ticket-linked 33:3",
            // revocationStatus FAILED: the access is still there, a day past revocationScheduled.
            "reqC2SELFAPPROVED002 expiry-enforced 39:15",
            // accessDuration P1D, at revocationScheduled.
            "reqC2SELFAPPROVED002 window-max 45:28",
            // The requester's APPROVE decision (the earlier CANCEL is not an approval).
            "reqC2SELFAPPROVED002 self-approval 61:23",
            "reqC3DELEGATE0000003 owner-named 66:3",
            "reqC3DELEGATE0000003 ticket-linked 66:3",
            // The TEXT answer labelled "Justification".
            "reqC3DELEGATE0000003 reason-specific 81:105",
            // The delegate's decision came 5 minutes after `granted`.
            "reqC3DELEGATE0000003 approved-before-access 89:108",
            // An EXTERNAL approval has no decisions here; its ticket is externalRequestId.
            "reqC4EXTERNAL000004 approver-named 94:3",
            "reqC4EXTERNAL000004 owner-named 94:3",
        ]
    );
}

#[test]
fn the_justification_counts_as_admin_justification() {
    // Both files grant the group 00g1supportadmins001 (a privileged pattern): the full request
    // carries the requester's justification, the sparse list response does not.
    let full = findings(&lint(FULL));
    assert!(
        !full.iter().any(|f| f.contains("admin-justified")),
        "{full:?}"
    );
    let list = findings(&lint(LIST));
    assert!(
        list.contains(&"reqAGRANTED00000010 admin-justified 130:142".to_string()),
        "{list:?}"
    );
}

#[test]
fn the_list_response_skips_every_request_never_granted() {
    let report = lint(LIST);
    // SUBMITTED, PENDING, EXPIRED, and APPROVED but never provisioned (grantStatus PENDING,
    // FAILED, MANUAL_REQUIRED) are pending; REJECTED, DENIED, CANCELED are denied.
    assert_eq!(report["summary"]["grants"], 2);
    assert_eq!(report["summary"]["skipped"], 9);
    assert_eq!(
        findings(&report),
        [
            // The sparse request has no justification, approvals or duration.
            "reqAGRANTED00000010 approver-named 118:5",
            "reqAGRANTED00000010 expiry-required 118:5",
            "reqAGRANTED00000010 owner-named 118:5",
            "reqAGRANTED00000010 reason-specific 118:5",
            "reqAGRANTED00000010 ticket-linked 118:5",
            "reqAGRANTED00000010 admin-justified 130:142",
            "reqBREVOKED00000011 approver-named 133:5",
            "reqBREVOKED00000011 expiry-required 133:5",
            "reqBREVOKED00000011 owner-named 133:5",
            "reqBREVOKED00000011 reason-specific 133:5",
            "reqBREVOKED00000011 ticket-linked 133:5",
        ]
    );
}

#[test]
fn every_approving_decision_is_checked_against_the_people_directory() {
    let dir = tempfile::tempdir().unwrap();
    // Bob is known; Dan (who approved his own request) and Alice (a delegate) are not.
    std::fs::write(
        dir.path().join("people.yaml"),
        "- name: Bob Example\n  aliases: [00u9z8y7x6w5v4u3t2s1]\n- name: Carol Example\n  aliases: [00uc4r0l5m1th0k7a9b2]\n- name: Dan Example\n  aliases: [00ud4nd4nd4nd4nd4nd4]\n",
    )
    .unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nextends: default\npeople: people.yaml\n",
    )
    .unwrap();
    let (_, report) = json(&["--policy", policy.to_str().unwrap(), FULL]);
    let approvers: Vec<String> = findings(&report)
        .into_iter()
        .filter(|f| f.contains("approver-named"))
        .collect();
    assert_eq!(
        approvers,
        [
            // The delegate's decision, read from Okta's `userId`.
            "reqC3DELEGATE0000003 approver-named 89:20",
            "reqC4EXTERNAL000004 approver-named 94:3",
        ]
    );
}

#[test]
fn a_file_of_another_shape_names_the_place_and_the_okta_shape() {
    let out = grantlint(&[
        "check",
        "--color",
        "never",
        "--source",
        "okta",
        "fixtures/opal/requests.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("fixtures/opal/requests.json:1:1: found a mapping; expected Okta Identity Governance requests"),
        "{err}"
    );
    let out = grantlint(&[
        "check",
        "--color",
        "never",
        "--source",
        "okta",
        "fixtures/sources/teleport-requests.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "teleport-requests.json:2:3: this item has neither `requestedFor` nor `requestedBy`"
        ),
        "{err}"
    );
}

#[test]
fn explain_source_okta_names_its_fields_states_and_gaps() {
    let out = grantlint(&["explain", "--source", "okta"]);
    assert_eq!(out.status.code(), Some(0));
    let docs = String::from_utf8_lossy(&out.stdout).into_owned();
    for said in [
        "### Okta Identity Governance (`--source okta`)",
        "| `requestedFor.externalId` | grantee |",
        "| `EXPIRED` | pending",
        "What this export cannot say:",
    ] {
        assert!(docs.contains(said), "{said}: {docs}");
    }
    // Its docs/sources page shows the same: tests/sources.rs, for every system.
}

#[test]
fn the_policy_mapping_names_an_access_scope() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nextends: default\nmapping:\n  roles:\n    0oa1salesforce000001: Salesforce Admin\n",
    )
    .unwrap();
    let (_, report) = json(&[
        "--source",
        "okta",
        "--policy",
        policy.to_str().unwrap(),
        LIST,
    ]);
    let named: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "admin-justified" && f["grant"] == "reqBREVOKED00000011")
        .collect();
    assert_eq!(named.len(), 1, "{report:#}");
    assert_eq!(
        named[0]["message"],
        "privileged role `Salesforce Admin` has no admin_justification"
    );
    assert_eq!(
        (named[0]["line"].as_u64(), named[0]["column"].as_u64()),
        (Some(147), Some(142))
    );
}
