//! AWS TEAM exports as TEAM writes them (fixtures/aws-team, see its README): the GraphQL
//! `listRequests` response and the auditor's approvals CSV, with every request status.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, json, placed_findings as findings};

use assert_cmd::Command;
use serde_json::Value;

const CSV: &str = "fixtures/aws-team/approvals.csv";
const JSON: &str = "fixtures/aws-team/requests.json";

/// Request ids in the fixtures end in a number: 1 ended, 2 revoked, 3 in progress,
/// 4 scheduled, 5 approved, 6 pending, 7 rejected, 8 cancelled, 9 expired, 10 error.
fn id(n: u32) -> String {
    format!("3f0c6a1e-2b4d-4e8f-9a10-{n:012}")
}

fn finding(rule: &str, grant: u32, line: u64, column: u64) -> (String, String, u64, u64) {
    (rule.to_string(), id(grant), line, column)
}

/// Lints TEAM records given on standard input as JSON.
fn lint_stdin(text: &str) -> Value {
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check", "--format", "json", "--now", NOW, "--source", "aws-team", "-",
        ])
        .write_stdin(text.to_string())
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// One TEAM request record in progress since 10:00 (NOW is 12:00), with `extra` fields.
fn request(extra: &str) -> String {
    format!(
        r#"[{{"id": "r1", "email": "sam.okafor@example.com", "accountId": "444455556666",
 "role": "SupportReadOnly", "startTime": "2026-11-24T10:00:00.000Z", "duration": "1",
 "status": "in progress", "ticketNo": "SUP-1",
 "justification": "Globex SCIM provisioning fails after the IdP key rotation"{extra}}}]"#
    )
}

#[test]
fn the_graphql_response_lints_every_granted_session_and_skips_the_rest() {
    let (code, report) = json(&["--source", "aws-team", JSON]);
    assert_eq!(code, 1);
    assert_eq!(
        report["summary"]["grants"], 3,
        "ended, revoked, in progress"
    );
    assert_eq!(
        report["summary"]["skipped"], 7,
        "scheduled, approved, pending, rejected, cancelled, expired, error"
    );
    assert_eq!(
        findings(&report),
        [
            finding("owner-named", 1, 5, 9),
            finding("owner-named", 2, 41, 9),
            finding("owner-named", 3, 75, 9),
            finding("ticket-linked", 3, 75, 9),
            finding("window-max", 3, 83, 23),
        ]
    );
    // Recognised by its shape as well.
    let (_, detected) = json(&[JSON]);
    assert_eq!(detected, report);
}

#[test]
fn approved_rows_of_the_approvals_csv_are_the_granted_sessions() {
    // TEAM rewrote ended, revoked, in progress and scheduled to `approved` in this download:
    // the rows are still told apart by revoker, endTime and their times.
    let (code, report) = json(&["--source", "aws-team", CSV]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["grants"], 3);
    assert_eq!(report["summary"]["skipped"], 7);
    assert_eq!(
        findings(&report),
        [
            finding("owner-named", 3, 5, 1),
            finding("ticket-linked", 3, 5, 1),
            finding("window-max", 3, 5, 217),
            finding("owner-named", 2, 6, 1),
            finding("owner-named", 1, 9, 1),
        ]
    );
    let (_, detected) = json(&[CSV]);
    assert_eq!(detected, report);
}

#[test]
fn the_csv_and_the_json_give_the_same_findings() {
    let (_, csv) = json(&[CSV]);
    let (_, json_report) = json(&[JSON]);
    let pairs = |report: &Value| {
        let mut all: Vec<(String, String)> = findings(report)
            .into_iter()
            .map(|(rule, grant, ..)| (rule, grant))
            .collect();
        all.sort();
        all
    };
    assert_eq!(pairs(&csv), pairs(&json_report));
    assert_eq!(csv["summary"]["skipped"], json_report["summary"]["skipped"]);
}

#[test]
fn an_approved_csv_row_is_revoked_ended_active_or_not_started_by_its_times() {
    let header = "id,email,accountId,role,startTime,duration,status,approver,revoker,endTime";
    let row = |id: &str, start: &str, revoker: &str, end: &str| {
        format!("{id},a@example.com,1111,ReadOnly,{start},2,approved,b@example.com,{revoker},{end}")
    };
    let csv = [
        header.to_string(),
        // revoked: 2h window, ended at 10:30, revoker set
        row(
            "revoked",
            "2026-11-24T09:00:00Z",
            "b@example.com",
            "2026-11-24T10:30:00Z",
        ),
        // ended 20m after its expiry: expiry-enforced judges it by its endTime
        row(
            "ended-late",
            "2026-11-24T08:00:00Z",
            "",
            "2026-11-24T10:20:00Z",
        ),
        // in progress (11:00 to 13:00, now is 12:00)
        row("active", "2026-11-24T11:00:00Z", "", ""),
        // scheduled for tomorrow: not access yet
        row("scheduled", "2026-11-25T08:00:00Z", "", ""),
    ]
    .join("\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("approvals.csv");
    std::fs::write(&path, csv).unwrap();
    let (_, report) = json(&["--source", "aws-team", path.to_str().unwrap()]);
    assert_eq!(report["summary"]["grants"], 3);
    assert_eq!(report["summary"]["skipped"], 1, "the scheduled session");
    let late: Vec<_> = findings(&report)
        .into_iter()
        .filter(|f| f.0 == "expiry-enforced")
        .collect();
    assert_eq!(
        late,
        [(
            "expiry-enforced".to_string(),
            "ended-late".to_string(),
            3,
            87
        )]
    );
}

#[test]
fn expired_requests_timed_out_waiting_for_approval_and_are_not_linted() {
    let expired = request("").replace("in progress", "expired");
    let report = lint_stdin(&expired);
    assert_eq!(report["summary"]["grants"], 0);
    assert_eq!(report["summary"]["skipped"], 1);
    // The fixture's expired request (a generic reason, AdministratorAccess) has no finding.
    let (_, fixture) = json(&[JSON]);
    assert!(findings(&fixture).iter().all(|f| f.1 != id(9)));
}

#[test]
fn owner_is_the_requesters_sign_in_not_a_closeout_owner_in_csv_and_json() {
    // Every record of both fixtures has an Amplify `owner`; owner-named still fires for each
    // granted session, in both exports alike.
    for file in [CSV, JSON] {
        let (_, report) = json(&[file]);
        let owners: Vec<String> = findings(&report)
            .into_iter()
            .filter(|f| f.0 == "owner-named")
            .map(|f| f.1)
            .collect();
        assert_eq!(owners.len(), 3, "{file}: {owners:?}");
    }
    let report = lint_stdin(&request(
        r#", "owner": "94a8e4f8::94a8e4f8", "approver": "b@example.com""#,
    ));
    let f = findings(&report);
    assert!(f.iter().any(|f| f.0 == "owner-named"), "{f:?}");
}

#[test]
fn approvers_who_could_approve_are_not_approvals_the_one_who_acted_is() {
    // The requester is among those who could approve: not a self-approval.
    let could = request(
        r#", "approver": "ravi.patel@example.com",
 "approvers": ["ravi.patel@example.com", "sam.okafor@example.com"]"#,
    );
    let report = lint_stdin(&could);
    assert_eq!(report["summary"]["grants"], 1);
    let rules: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert!(!rules.contains(&"self-approval".to_string()), "{rules:?}");
    assert!(!rules.contains(&"approver-named".to_string()), "{rules:?}");
    // The one who acted approving their own request is judged.
    let acted = request(r#", "approver": "sam.okafor@example.com", "comment": "ok""#);
    let self_approved: Vec<_> = findings(&lint_stdin(&acted))
        .into_iter()
        .filter(|f| f.0 == "self-approval")
        .collect();
    assert_eq!(
        self_approved,
        [("self-approval".to_string(), "r1".to_string(), 4, 92)]
    );
    // Before TEAM has looked up the approver's email, `approverId` names who acted.
    let by_id = request(r#", "approverId": "94a8e4f8-1071-70b5-2c1d-0a1b2c3d4e05""#);
    let rules: Vec<String> = findings(&lint_stdin(&by_id))
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(!rules.contains(&"approver-named".to_string()), "{rules:?}");
    // No approver at all: approver-named says so.
    let none: Vec<String> = findings(&lint_stdin(&request("")))
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(none.contains(&"approver-named".to_string()), "{none:?}");
}

#[test]
fn the_justification_counts_as_admin_justification() {
    let admin = request(r#", "approver": "b@example.com""#)
        .replace("SupportReadOnly", "AdministratorAccess");
    let rules: Vec<String> = findings(&lint_stdin(&admin))
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(!rules.contains(&"admin-justified".to_string()), "{rules:?}");
    let unjustified = admin.replace(
        r#""justification": "Globex SCIM provisioning fails after the IdP key rotation""#,
        r#""justification": """#,
    );
    let rules: Vec<String> = findings(&lint_stdin(&unjustified))
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(rules.contains(&"admin-justified".to_string()), "{rules:?}");
}

#[test]
fn graphql_responses_of_teams_other_queries_read() {
    for query in [
        "requestByStatus",
        "requestByEmailAndStatus",
        "requestByApproverAndStatus",
    ] {
        let text = format!(
            r#"{{"data": {{"{query}": {{"items": {}, "nextToken": null}}}}}}"#,
            request(r#", "approver": "b@example.com""#)
        );
        let report = lint_stdin(&text);
        assert_eq!(report["summary"]["grants"], 1, "{query}");
    }
}
