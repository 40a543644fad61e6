//! Google Cloud PAM Grant resources as gcloud and the REST API write them (fixtures/gcp-pam,
//! see its README), with every `Grant.State`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, json, placed_findings as findings};

use assert_cmd::Command;
use serde_json::Value;

const LIST: &str = "fixtures/gcp-pam/gcloud-grants-list.json";

/// Grant names in the fixtures end in a number: 1 ENDED, 2 ACTIVE, 3 ACTIVATING, 4 REVOKED,
/// 5 REVOKING, 6 WITHDRAWN after activation, 7 WITHDRAWING after activation, 8
/// APPROVAL_AWAITED, 9 DENIED, 10 EXPIRED, 11 SCHEDULED, 12 ACTIVATION_FAILED, 13 WITHDRAWN
/// before approval.
fn grant(n: u32) -> String {
    let (entitlement, project) = match n {
        2 | 9 | 10 => ("prod-owner", "globex-prod"),
        3 => ("support-editor", "initech-prod"),
        7 | 11 => ("support-viewer", "initech-prod"),
        _ => ("support-viewer", "acme-prod"),
    };
    format!(
        "projects/{project}/locations/global/entitlements/{entitlement}/grants/0a1b2c3d-{n:04}-4e5f-8a9b-{n:012}"
    )
}

fn rules_of(report: &Value, n: u32) -> Vec<String> {
    findings(report)
        .into_iter()
        .filter(|f| f.1 == grant(n))
        .map(|f| f.0)
        .collect()
}

/// Lints PAM grants given on standard input.
fn lint_stdin(text: &str) -> (i32, Value, String) {
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check", "--format", "json", "--now", NOW, "--source", "gcp-pam", "-",
        ])
        .write_stdin(text.to_string())
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap(), report, err)
}

/// One grant of 1h30m in `state` with `events` (requested at 11:00, NOW is 12:00).
fn one(state: &str, duration: &str, events: &str, trail: &str) -> String {
    format!(
        r#"{{"grants": [{{"name": "g1", "requester": "alice@example.com", "createTime": "2026-11-24T11:00:00Z",
 "requestedDuration": "{duration}", "state": "{state}",
 "justification": {{"unstructuredJustification": "Acme invoice export fails since the sync, SUP-4411"}},
 "timeline": {{"events": [{{"eventTime": "2026-11-24T11:00:00Z", "requested": {{}}}}{events}]}},
 "privilegedAccess": {{"gcpIamAccess": {{"resource": "//cloudresourcemanager.googleapis.com/projects/p",
   "roleBindings": [{{"role": "roles/logging.viewer"}}]}}}}{trail}}}]}}"#
    )
}

#[test]
fn every_state_of_the_gcloud_list_is_linted_or_skipped() {
    let (code, report) = json(&["--source", "gcp-pam", LIST]);
    assert_eq!(code, 0, "warnings only");
    assert_eq!(
        report["summary"]["grants"], 7,
        "ENDED, ACTIVE, ACTIVATING, REVOKED, REVOKING, WITHDRAWN and WITHDRAWING after activation"
    );
    assert_eq!(
        report["summary"]["skipped"], 6,
        "APPROVAL_AWAITED, DENIED, EXPIRED, SCHEDULED, ACTIVATION_FAILED, WITHDRAWN before approval"
    );
    let linted: Vec<String> = findings(&report).into_iter().map(|f| f.1).collect();
    for n in 1..=7 {
        assert!(linted.contains(&grant(n)), "grant {n} is linted");
    }
    for n in 8..=13 {
        assert!(!linted.contains(&grant(n)), "grant {n} is not linted");
    }
    // A PAM grant has no closeout owner and no ticket field; nothing else fails.
    assert_eq!(rules_of(&report, 2), ["owner-named", "ticket-linked"]);
    let first: Vec<_> = findings(&report).into_iter().take(3).collect();
    assert_eq!(
        first,
        [
            ("owner-named".to_string(), grant(1), 2, 3),
            ("ticket-linked".to_string(), grant(1), 2, 3),
            ("repeat-tenant".to_string(), grant(1), 40, 21),
        ]
    );
    let (_, detected) = json(&[LIST]);
    assert_eq!(detected, report);
}

#[test]
fn rest_list_and_search_responses_and_gcloud_search_read() {
    for (file, grants, skipped) in [
        ("rest-list-page.json", 2, None),
        ("rest-search-response.json", 1, Some(1)),
        ("gcloud-grants-search.json", 1, Some(1)),
    ] {
        let path = format!("fixtures/gcp-pam/{file}");
        let (code, report) = json(&["--source", "gcp-pam", &path]);
        assert_eq!(code, 0, "{file}: {report:#}");
        assert_eq!(report["summary"]["grants"], grants, "{file}");
        assert_eq!(
            report["summary"].get("skipped").and_then(Value::as_u64),
            skipped,
            "{file}"
        );
        let (_, detected) = json(&[&path]);
        assert_eq!(detected, report, "{file}");
    }
    // The REST page's grants point into the page: `grants` indents them by two more.
    let (_, page) = json(&[
        "--source",
        "gcp-pam",
        "fixtures/gcp-pam/rest-list-page.json",
    ]);
    assert_eq!(
        findings(&page)[0],
        ("owner-named".to_string(), grant(1), 3, 5)
    );
    // proto3 JSON leaves an empty list out: an empty page holds no grants and is no error.
    let (_, empty, err) = lint_stdin("{}\n");
    assert!(!err.contains("no `grants:` list"), "{err}");
    assert_eq!(empty["summary"]["grants"], 0, "{err}");
}

#[test]
fn gcloud_yaml_documents_and_a_described_grant_read() {
    // gcloud without --format: one YAML document per grant (ENDED, ACTIVE, EXPIRED).
    let yaml = "fixtures/gcp-pam/gcloud-grants-list.yaml";
    let (code, report) = json(&["--source", "gcp-pam", yaml]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["grants"], 2);
    assert_eq!(report["summary"]["skipped"], 1);
    // Findings point into the whole file: the second document starts after its `---`.
    assert_eq!(
        findings(&report)[2],
        ("owner-named".to_string(), grant(2), 33, 1)
    );
    // A broken document is located in the whole file.
    let (code, _, err) = lint_stdin("name: a\nrequester: b\n---\nname: [\n");
    assert_eq!(code, 2);
    assert!(err.contains("-:4:"), "{err}");
    // `gcloud pam grants describe --format=json`: one Grant.
    let list: Value = serde_json::from_str(&std::fs::read_to_string(LIST).unwrap()).unwrap();
    let (_, report, err) = lint_stdin(&list[1].to_string());
    assert_eq!(report["summary"]["grants"], 1, "{err}");
    assert_eq!(findings(&report)[0].1, grant(2));
}

#[test]
fn expired_means_the_approval_timed_out_and_is_not_linted() {
    // The fixture's EXPIRED grant asks for roles/owner with "need access": nothing fires.
    let (_, report) = json(&[LIST]);
    assert!(rules_of(&report, 10).is_empty());
    let expired = one(
        "EXPIRED",
        "3600s",
        r#", {"eventTime": "2026-11-24T11:30:00Z", "expired": {}}"#,
        "",
    );
    let (_, report, err) = lint_stdin(&expired);
    assert_eq!(report["summary"]["grants"], 0, "{err}");
    assert_eq!(report["summary"]["skipped"], 1);
}

#[test]
fn activating_starts_at_its_last_approval_and_expires_after_the_requested_duration() {
    // Approved at 11:05, 1h30m asked, still ACTIVATING: no "neither a start nor an expiry".
    let activating = one(
        "ACTIVATING",
        "5400s",
        r#", {"eventTime": "2026-11-24T11:05:00Z", "approved": {"reason": "ok", "actor": "bob@example.com"}}"#,
        "",
    );
    let (_, report, err) = lint_stdin(&activating);
    assert_eq!(report["summary"]["grants"], 1, "{err}");
    let rules: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert!(!rules.contains(&"expiry-required".to_string()), "{rules:?}");
    // 11:05 + 1h30m is 12:35: a 3h window (allowed 2h) shows the start used is the approval.
    let strict = tempfile::tempdir().unwrap();
    let policy = strict.path().join("policy.yaml");
    std::fs::write(&policy, "rules:\n  window-max: {max: 1h}\n").unwrap();
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check", "--format", "json", "--now", NOW, "--source", "gcp-pam",
        ])
        .args(["--policy", policy.to_str().unwrap(), "-"])
        .write_stdin(activating.clone())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let window = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "window-max")
        .expect("window-max");
    assert_eq!(
        window["message"],
        "access window is 1h30m, above the 1h maximum"
    );
    // Without an approval, the request time is the start: no expiry-required either.
    let (_, report, _) = lint_stdin(&one("ACTIVATING", "3600s", "", ""));
    let rules: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert!(!rules.contains(&"expiry-required".to_string()), "{rules:?}");
}

#[test]
fn fractional_proto3_durations_are_read() {
    let trail = r#", "auditTrail": {"accessGrantTime": "2026-11-24T09:00:00Z"}"#;
    let active = one(
        "ACTIVE",
        "5400.500s",
        r#", {"eventTime": "2026-11-24T09:00:00Z", "activated": {}}"#,
        trail,
    );
    let (_, report, err) = lint_stdin(&active);
    assert_eq!(report["summary"]["grants"], 1, "{err}");
    let all = findings(&report);
    assert!(all.iter().all(|f| f.0 != "field-format"), "{all:?}");
    // 09:00 + 1h30m0.5s is 10:30:00.5: still ACTIVE at 12:00 is 1h29m59s past its expiry.
    let late = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "expiry-enforced")
        .expect("expiry-enforced");
    assert_eq!(
        late["message"],
        "grant is still active 1h29m59s after it expired"
    );
    // Not a duration at all: a located field-format finding.
    let (_, report, _) = lint_stdin(&one("ACTIVE", "5400.5.0s", "", trail));
    let bad = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "field-format")
        .expect("field-format");
    assert_eq!(
        (bad["line"].as_u64(), bad["column"].as_u64()),
        (Some(2), Some(23))
    );
}

#[test]
fn every_approved_event_is_an_approval_with_its_reason() {
    // Two approvals, the second by the requester: self-approval judges every approval.
    let events = r#", {"eventTime": "2026-11-24T11:01:00Z", "approved": {"reason": "confirmed", "actor": "bob@example.com"}},
 {"eventTime": "2026-11-24T11:02:00Z", "approved": {"reason": "mine", "actor": "alice@example.com"}},
 {"eventTime": "2026-11-24T11:02:05Z", "activated": {}}"#;
    let trail = r#", "auditTrail": {"accessGrantTime": "2026-11-24T11:02:05Z"}"#;
    let (_, report, err) = lint_stdin(&one("ACTIVE", "3600s", events, trail));
    let own: Vec<_> = findings(&report)
        .into_iter()
        .filter(|f| f.0 == "self-approval")
        .collect();
    assert_eq!(
        own,
        [("self-approval".to_string(), "g1".to_string(), 5, 80)],
        "{err}"
    );
    // An approval after access began is judged by its own time.
    let late = r#", {"eventTime": "2026-11-24T11:02:05Z", "activated": {}},
 {"eventTime": "2026-11-24T11:30:00Z", "approved": {"reason": "after the fact", "actor": "bob@example.com"}}"#;
    let (_, report, _) = lint_stdin(&one("ACTIVE", "3600s", late, trail));
    let rules: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert!(
        rules.contains(&"approved-before-access".to_string()),
        "{rules:?}"
    );
    assert!(!rules.contains(&"approver-named".to_string()), "{rules:?}");
}

#[test]
fn the_justification_counts_as_admin_justification() {
    let owner = one(
        "ACTIVE",
        "3600s",
        r#", {"eventTime": "2026-11-24T11:01:00Z", "approved": {"reason": "ok", "actor": "bob@example.com"}}"#,
        r#", "auditTrail": {"accessGrantTime": "2026-11-24T11:01:02Z"}"#,
    )
    .replace("roles/logging.viewer", "roles/owner");
    let (_, report, _) = lint_stdin(&owner);
    let rules: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert!(!rules.contains(&"admin-justified".to_string()), "{rules:?}");
    let (_, report, _) = lint_stdin(&owner.replace(
        r#""justification": {"unstructuredJustification": "Acme invoice export fails since the sync, SUP-4411"},"#,
        "",
    ));
    let rules: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert!(rules.contains(&"admin-justified".to_string()), "{rules:?}");
}
