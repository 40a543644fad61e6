//! Native exports of access systems and ticket tools, linted with the default policy exactly as
//! they come out: findings pinned per system, detection by shape, and shape errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, grantlint, json, stderr};

use assert_cmd::Command;
use serde_json::Value;

/// Lints a fixture with `--source`, checks that detection by shape reads it the same, and
/// returns the report for its snapshot.
fn lint(source: &str, file: &str) -> Value {
    let path = format!("fixtures/sources/{file}");
    let (code, named) = json(&["--source", source, &path]);
    assert_eq!(code, 1, "{named:#}");
    let (_, detected) = json(&[&path]);
    assert_eq!(
        named, detected,
        "{file}: detection differs from --source {source}"
    );
    named
}

#[test]
fn teleport_requests() {
    let report = lint("teleport", "teleport-requests.json");
    assert_eq!(report["summary"]["skipped"], 2, "one denied, one pending");
    insta::assert_json_snapshot!(report);
}

#[test]
fn teleport_audit_events() {
    let report = lint("teleport", "teleport-audit.jsonl");
    assert_eq!(report["summary"]["grants"], 2);
    assert_eq!(report["summary"]["skipped"], 1, "the denied request");
    insta::assert_json_snapshot!(report);
}

#[test]
fn gcp_pam_grants() {
    let report = lint("gcp-pam", "gcp-pam-grants.json");
    assert_eq!(
        report["summary"]["skipped"], 2,
        "one denied, one awaiting approval"
    );
    insta::assert_json_snapshot!(report);
}

#[test]
fn entra_pim_requests() {
    let report = lint("entra-pim", "entra-pim-requests.json");
    assert_eq!(
        report["summary"]["skipped"], 2,
        "one deactivation, one denied"
    );
    insta::assert_json_snapshot!(report);
}

#[test]
fn aws_team_requests() {
    let report = lint("aws-team", "aws-team-requests.json");
    assert_eq!(report["summary"]["skipped"], 1, "the rejected request");
    insta::assert_json_snapshot!(report);
}

#[test]
fn aws_team_auditor_csv() {
    let report = lint("aws-team", "aws-team-approvals.csv");
    assert_eq!(report["summary"]["skipped"], 1, "the cancelled request");
    insta::assert_json_snapshot!(report);
}

#[test]
fn jira_issues() {
    let report = lint("jira", "jira-issues.csv");
    assert_eq!(report["summary"]["skipped"], 1, "the declined issue");
    insta::assert_json_snapshot!(report);
}

#[test]
fn servicenow_requested_items() {
    let report = lint("servicenow", "servicenow-ritm.csv");
    assert_eq!(
        report["summary"]["skipped"], 1,
        "the item awaiting approval"
    );
    insta::assert_json_snapshot!(report);
}

#[test]
fn a_policy_mapping_reads_any_csv() {
    let (code, report) = json(&[
        "--policy",
        "fixtures/sources/mapped/policy.yaml",
        "fixtures/sources/mapped/access-log.csv",
    ]);
    assert_eq!(code, 1);
    insta::assert_json_snapshot!(report);
    // Without the mapping, no column is a field grantlint knows: not a grants export, and
    // the help names the mapping that would read it.
    let out = grantlint(&["check", "fixtures/sources/mapped/access-log.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("not a grants export: none of its 8 columns is a grant field"),
        "{err}"
    );
    assert!(err.contains("Customer: tenant"), "{err}");
}

#[test]
fn the_text_summary_counts_skipped_requests() {
    let out = grantlint(&[
        "check",
        "--now",
        NOW,
        "fixtures/sources/gcp-pam-grants.json",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.ends_with(
            "1 file, 2 grants (2 requests not linted: denied or never activated): 4 errors, 4 warnings, 0 info; failed\n"
        ),
        "{text}"
    );
}

#[test]
fn a_wrong_source_names_the_file_the_place_and_the_expected_shape() {
    let out = grantlint(&[
        "check",
        "--color",
        "never",
        "--source",
        "gcp-pam",
        "fixtures/sources/entra-pim-requests.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("fixtures/sources/entra-pim-requests.json:1:1: found a mapping; expected a JSON list of PAM Grant resources"),
        "{err}"
    );
    let out = grantlint(&[
        "check",
        "--source",
        "aws-team",
        "fixtures/sources/gcp-pam-grants.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("gcp-pam-grants.json:2:3: this item has neither `accountId` nor `email`"),
        "{err}"
    );
}

#[test]
fn an_ambiguous_or_unknown_shape_names_the_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let both = dir.path().join("both.json");
    std::fs::write(
        &both,
        r#"[{"roleDefinitionId": "r", "scheduleInfo": {}, "accountId": "1", "roleId": "2"}]"#,
    )
    .unwrap();
    let out = grantlint(&["check", both.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("this export fits several systems: entra-pim, aws-team"),
        "{}",
        stderr(&out)
    );
    let lines = dir.path().join("other.jsonl");
    std::fs::write(&lines, "{\"event\": \"user.login\"}\n").unwrap();
    let out = grantlint(&["check", lines.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("cannot tell which system wrote these JSON lines"),
        "{err}"
    );
    assert!(
        err.contains("teleport, gcp-pam, entra-pim, aws-team, jira, servicenow"),
        "{err}"
    );
}

#[test]
fn a_broken_audit_line_is_located_in_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    std::fs::write(
        &path,
        "{\"event\":\"access_request.create\",\"id\":\"r1\",\"user\":\"a\",\"state\":\"PENDING\"}\n\n{\"event\": \"access_request.update\", \"id\": \"r1\", \"state\": [}\n",
    )
    .unwrap();
    let out = grantlint(&["check", "--source", "teleport", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("audit.jsonl:3:"), "{err}");
}

#[test]
fn explain_source_prints_the_mapping_that_its_docs_page_shows() {
    // Every system grantlint reads, so a new one cannot be left without its page.
    for source in grantlint::load::adapters::Source::ALL
        .iter()
        .map(|s| s.name())
    {
        let page = format!("{}/docs/sources/{source}.md", env!("CARGO_MANIFEST_DIR"));
        let shown = std::fs::read_to_string(&page).unwrap();
        let out = grantlint(&["explain", "--source", source]);
        assert_eq!(out.status.code(), Some(0));
        let docs = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            docs.contains("| export field | grant field | note |"),
            "{docs}"
        );
        assert!(
            shown.contains(&docs),
            "{page} is missing the current mapping of {source}; paste `grantlint explain --source {source}`:\n{docs}"
        );
    }
    let out = grantlint(&["explain"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bad_mapping_is_a_located_policy_error() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nmapping:\n  columns:\n    Customer: tenent\n  date_fmt: '%d'\n",
    )
    .unwrap();
    let out = grantlint(&[
        "check",
        "--color",
        "never",
        "--policy",
        policy.to_str().unwrap(),
        "fixtures/sources/mapped/access-log.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("policy.yaml:4:15: `tenent` is not a grant field"),
        "{err}"
    );
    assert!(err.contains("did you mean `tenant`?"), "{err}");
    assert!(
        err.contains("policy.yaml:5:3: unknown key `date_fmt` in `mapping`"),
        "{err}"
    );
}

#[test]
fn an_unknown_json_shape_lists_the_systems_and_stdin_takes_source() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.json");
    std::fs::write(&other, "{\"kind\": \"something else\"}\n").unwrap();
    let out = grantlint(&["check", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no `grants:` list"), "{err}");
    assert!(err.contains("pass --source, one of:"), "{err}");
    // --source says the format, so standard input needs no --input-format.
    let text = std::fs::read("fixtures/sources/gcp-pam-grants.json").unwrap();
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check", "--format", "json", "--now", NOW, "--source", "gcp-pam", "-",
        ])
        .write_stdin(text)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["grants"], 2);
    assert_eq!(report["summary"]["skipped"], 2);
}
