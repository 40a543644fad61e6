//! A policy's people directory: approvers, owners and grantees must be known, active people.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::Value;

#[test]
fn the_directory_checks_who_people_are() {
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--format", "json", "--now", "2026-11-24T12:00:00Z"])
        .args([
            "--policy",
            "fixtures/people/policy.yaml",
            "fixtures/people/grants.yaml",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            [
                "approver-named",
                "owner-named",
                "shared-account",
                "self-approval",
            ]
            .contains(&f["rule"].as_str().unwrap())
        })
        .map(|f| {
            format!(
                "{} {} {}:{} {}",
                f["grant"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "P-2 approver-named 7:13 approver `Sam Stranger` is not in the people directory",
            "P-2 owner-named 8:10 owner `old.timer@acme.io` is Old Timer, who is no longer active",
            "P-3 self-approval 11:13 `Mina Chen` approved their own access",
            "P-4 shared-account 14:12 grantee `contractor-7` is not in the people directory",
        ]
    );
}

#[test]
fn errors_in_the_people_file_are_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("staff.yaml"),
        "- name: A\n  emial: a@x.io\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.yaml"),
        "version: 1\npeople: staff.yaml\n",
    )
    .unwrap();
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .args([
            "rules",
            "--policy",
            dir.path().join("p.yaml").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("staff.yaml:2:3: unknown key `emial` for a person"),
        "{err}"
    );
    assert!(err.contains("did you mean `email`?"), "{err}");
}

/// Runs `check --format json` on `grants` (YAML) with `policy`, both written to a folder
/// beside `staff.yaml`: the findings of `rules`.
fn run(policy: &str, grants: &str, rules: &[&str]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("staff.yaml"),
        "- {name: Ravi Patel, email: ravi.patel@example.com, handles: [rpatel], groups: [on-call-managers]}\n- {name: Mina Chen, manager: rpatel, team: support}\n- {name: Dana Lee, team: support, groups: [prod-approvers]}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("grantlint.yaml"), policy).unwrap();
    std::fs::write(dir.path().join("grants.yaml"), grants).unwrap();
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--now", "2026-11-24T12:00:00Z"])
        .args(["--policy", "grantlint.yaml", "grants.yaml"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let findings = report["findings"].as_array().unwrap().iter();
    findings
        .filter(|f| rules.contains(&f["rule"].as_str().unwrap()))
        .cloned()
        .collect()
}

/// The approval findings of `grants`, each as "grant rule message".
fn findings_of(policy: &str, grants: &str) -> Vec<String> {
    let rules = [
        "self-approval",
        "approvals-min",
        "approver-authorized",
        "approver-named",
        "on-call-manager",
    ];
    run(policy, grants, &rules)
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["grant"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

const GRANT: &str = "tenant: acme-prod\nrole: admin\nenvironment: prod\nreason: restore the invoice export after the failed migration\nstart: 2026-11-23T10:00:00Z\nexpires: 2026-11-23T12:00:00Z\nticket: INC-1\nowner: Dana Lee\n";

#[test]
fn a_self_approval_in_the_second_slot_is_found() {
    let grants = format!(
        "- id: A-1\n  grantee: Mina Chen\n  approver: Ravi Patel; mina chen\n{}\
         - id: A-2\n  grantee: Mina Chen\n  approvers: [rpatel, Mina Chen]\n{}\
         - id: A-3\n  grantee: Mina Chen\n  approver: Ravi Patel and Dana Lee\n{}",
        indent(GRANT),
        indent(GRANT),
        indent(GRANT)
    );
    let got = findings_of("version: 1\npeople: staff.yaml\n", &grants);
    assert_eq!(
        got,
        [
            "A-1 self-approval `Mina Chen` approved their own access",
            "A-2 self-approval `Mina Chen` approved their own access",
        ]
    );
}

#[test]
fn two_people_must_approve_prod_admin_and_be_authorised() {
    let policy = "version: 1\npeople: staff.yaml\nrules:\n  approver-authorized: {severity: error, groups: [on-call-managers, prod-approvers]}\noverrides:\n  - match: {environment: prod}\n    rules:\n      approvals-min: {severity: error, min: 2}\n";
    let grants = format!(
        "- id: B-1\n  grantee: Mina Chen\n  approver: rpatel; Ravi Patel\n{}\
         - id: B-2\n  grantee: Mina Chen\n  approvers: [ravi.patel@example.com, Dana Lee]\n{}\
         - id: B-3\n  grantee: Dana Lee\n  approver: Mina Chen; rpatel\n{}",
        indent(GRANT),
        indent(GRANT),
        indent(GRANT)
    );
    assert_eq!(
        findings_of(policy, &grants),
        [
            "B-1 approvals-min 2 distinct approvers needed, 1 approved: `rpatel`",
            "B-3 approver-authorized approver `Mina Chen` (Mina Chen) holds none of the groups that may approve: on-call-managers, prod-approvers",
        ]
    );
}

#[test]
fn conditions_ask_the_directory_about_groups_and_managers() {
    let policy = "version: 1\npeople: staff.yaml\ncustom:\n  - id: on-call-manager\n    message: an on-call manager who is not the grantee's own manager must approve\n    require:\n      all:\n        - {field: approver, in_group: On-call managers}\n        - not: {field: approver, manager_of: grantee}\n";
    let grants = format!(
        "- id: C-1\n  grantee: Dana Lee\n  approver: rpatel\n{}\
         - id: C-2\n  grantee: Mina Chen\n  approver: Ravi Patel\n{}\
         - id: C-3\n  grantee: Mina Chen\n  approver: Dana Lee\n{}\
         - id: C-4\n  grantee: Sam Stranger\n  approver: rpatel\n{}",
        indent(GRANT),
        indent(GRANT),
        indent(GRANT),
        indent(GRANT)
    );
    assert_eq!(
        findings_of(policy, &grants),
        [
            "C-1 on-call-manager grantee `Dana Lee` has no known `manager` in the people directory, so `on-call-manager` cannot be checked",
            "C-2 on-call-manager an on-call manager who is not the grantee's own manager must approve",
            "C-3 on-call-manager an on-call manager who is not the grantee's own manager must approve",
            "C-4 on-call-manager grantee `Sam Stranger` is not in the people directory, so `on-call-manager` cannot be checked",
        ]
    );
}

fn indent(fields: &str) -> String {
    fields.lines().map(|l| format!("  {l}\n")).collect()
}

/// The findings of `rules`, each as "grant rule line message [related]".
fn limit_findings(policy: &str, grants: &str, rules: &[&str]) -> Vec<String> {
    run(policy, grants, rules)
        .iter()
        .map(|f| {
            let (grant, rule) = (f["grant"].as_str().unwrap(), f["rule"].as_str().unwrap());
            let message = f["message"].as_str().unwrap();
            format!("{grant} {rule} {} {message} {}", f["line"], f["related"])
        })
        .collect()
}

#[test]
fn a_weekly_limit_groups_by_person_and_tenant() {
    let policy = "version: 1\npeople: staff.yaml\nlimits:\n  - {id: weekly, by: [grantee, tenant], within: 7d, max: 2}\n";
    let grants = "\
- {id: W-1, grantee: Ravi Patel, tenant: acme, start: 2026-11-02T10:00:00Z}
- {id: W-2, grantee: rpatel, tenant: ACME, start: 2026-11-04T10:00:00Z}
- {id: W-3, grantee: Mina Chen, tenant: acme, start: 2026-11-05T10:00:00Z}
- {id: W-4, grantee: ravi.patel@example.com, tenant: acme, start: 2026-11-08T10:00:00Z}
- {id: W-5, grantee: Ravi Patel, tenant: beta, start: 2026-11-08T11:00:00Z}
- {id: W-6, grantee: Mina Chen, tenant: acme, start: 2026-11-20T10:00:00Z}
";
    assert_eq!(
        limit_findings(policy, grants, &["weekly", "repeat-tenant"]),
        [
            "W-1 weekly 1 grantee, tenant `Ravi Patel, acme`: 3 grants started within 7d (at most 2) [\"W-2\",\"W-4\"]",
            "W-1 repeat-tenant 1 tenant `acme` needed access 5 times within 30d (threshold 3) [\"W-2\",\"W-3\",\"W-4\",\"W-6\"]",
        ]
    );
}

#[test]
fn a_concurrency_limit_counts_grants_active_at_once() {
    let policy = "version: 1\npeople: staff.yaml\nrules:\n  repeat-tenant: off\nlimits:\n  - {id: at-once, by: [grantee], concurrent: 2, severity: error}\n";
    let grants = "\
- {id: C-1, grantee: Ravi Patel, tenant: a, start: 2026-11-02T10:00:00Z, expires: 2026-11-02T14:00:00Z}
- {id: C-2, grantee: rpatel, tenant: b, start: 2026-11-02T11:00:00Z, expires: 2026-11-02T12:00:00Z}
- {id: C-3, grantee: Ravi Patel, tenant: c, start: 2026-11-02T12:00:00Z, expires: 2026-11-02T13:00:00Z}
- {id: C-4, grantee: Ravi Patel, tenant: d, start: 2026-11-02T12:30:00Z, ended_at: 2026-11-02T12:40:00Z, expires: 2026-11-02T16:00:00Z}
- {id: C-5, grantee: Mina Chen, tenant: a, start: 2026-11-02T10:00:00Z}
- {id: C-6, grantee: Mina Chen, tenant: b, start: 2026-11-03T10:00:00Z, expires: 2026-11-03T11:00:00Z}
";
    // C-2 ends as C-3 starts: not at once. C-4 makes three with C-1 and C-3. Mina's C-5 has
    // no end recorded, so it counts as active until now: with C-6, two, within the limit.
    assert_eq!(
        limit_findings(policy, grants, &["at-once"]),
        [
            "C-4 at-once 4 grantee `Ravi Patel`: 3 grants active at the same time (at most 2) [\"C-1\",\"C-3\"]"
        ]
    );
}

/// Each worked example of approvals, people and limits is a passing `grantlint test` suite, and
/// each expects findings: a policy that caught nothing would pass vacuously.
#[test]
fn the_people_and_limits_examples_pass_their_tests() {
    for example in [
        "prod-admin-two-person",
        "on-call-manager-approval",
        "per-engineer-concurrency",
        "per-person-tenant-weekly",
    ] {
        let dir = format!("policies/examples/{example}");
        let out = Command::cargo_bin("grantlint")
            .unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["test", &dir])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{example}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("1 test: 1 passed"), "{example}: {stdout}");
        let expect = std::fs::read_to_string(format!("{dir}/grants.expect.yaml")).unwrap();
        assert!(expect.contains("- {rule:"), "{example} expects no finding");
    }
}

#[test]
fn overrides_match_what_the_directory_knows_of_people() {
    // Support staff need two approvals; an on-call manager's approval is enough alone.
    let policy = "version: 1\npeople: staff.yaml\noverrides:\n  - match: {grantee.team: support}\n    rules:\n      approvals-min: {severity: error, min: 2}\n  - match: {approver.groups: On-call managers}\n    rules:\n      approvals-min: off\n";
    let grants = format!(
        "- id: D-1\n  grantee: Mina Chen\n  approver: Dana Lee\n{}\
         - id: D-2\n  grantee: Mina Chen\n  approver: Dana Lee; rpatel\n{}\
         - id: D-3\n  grantee: Ravi Patel\n  approver: Dana Lee\n{}\
         - id: D-4\n  grantee: Mina Chen\n  approver: Sam Stranger\n{}",
        indent(GRANT),
        indent(GRANT),
        indent(GRANT),
        indent(GRANT)
    );
    // D-4: nobody knows Sam Stranger, so the relaxing override does not apply, and the
    // approver has a finding of their own.
    assert_eq!(
        findings_of(policy, &grants),
        [
            "D-1 approvals-min 2 distinct approvers needed, 1 approved: `Dana Lee`",
            "D-4 approvals-min 2 distinct approvers needed, 0 approved: no one (1 not a known, active person)",
            "D-4 approver-named approver `Sam Stranger` is not in the people directory",
        ]
    );

    // `policy show` shows the key as written, with its origin.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("staff.yaml"), "- {name: Ravi Patel}\n").unwrap();
    std::fs::write(dir.path().join("grantlint.yaml"), policy).unwrap();
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(dir.path())
        .args(["policy", "show", "--policy", "grantlint.yaml"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(shown.contains("grantee.team: support"), "{shown}");
    assert!(
        shown.contains("approver.groups: On-call managers"),
        "{shown}"
    );
}
