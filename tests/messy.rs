//! Never a silent pass, on the messy exports of `fixtures/messy/`: files that are not exports
//! are refused, nothing read is never a pass, a missing column is said once, and users see
//! how their columns were read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, grantlint, json, stderr, stdout};

use serde_json::Value;

const HELPDESK: &str = "fixtures/messy/helpdesk.csv";

fn rules(report: &Value) -> Vec<(String, Option<String>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["grant"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn a_missing_grantee_column_is_one_finding_at_the_header_not_one_per_grant() {
    let (code, report) = json(&[HELPDESK]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["grants"], 24);
    let findings = rules(&report);
    assert!(
        !findings.iter().any(|(rule, _)| rule == "shared-account"),
        "no grant is blamed for a column the export lacks: {findings:?}"
    );
    let grantee: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "column-missing" && f["field"] == "grantee")
        .collect();
    assert_eq!(grantee.len(), 1, "{findings:?}");
    assert_eq!(
        (&grantee[0]["line"], &grantee[0]["column"]),
        (&1.into(), &1.into())
    );
    let message = grantee[0]["message"].as_str().unwrap();
    assert!(message.contains("24 grants"), "{message}");
    assert!(message.contains("shared-account"), "{message}");
    assert!(
        grantee[0]["help"]
            .as_str()
            .unwrap()
            .contains("Assignee: grantee"),
        "{}",
        grantee[0]["help"]
    );
}

#[test]
fn the_ticket_names_the_grant_when_there_is_no_id_column() {
    let (_, report) = json(&[HELPDESK]);
    for (rule, grant) in rules(&report) {
        if rule != "column-missing" {
            assert!(
                grant.as_deref().is_some_and(|g| g.starts_with("HD-")),
                "{rule}: {grant:?}"
            );
        }
    }
}

#[test]
fn ignored_columns_are_shown_with_the_mapping_that_reads_them() {
    let out = grantlint(&["check", "--now", NOW, HELPDESK]);
    let err = stderr(&out);
    assert!(err.contains("Assignee (did you mean grantee?)"), "{err}");
    assert!(
        err.contains("Approval Date (did you mean approved_at?)"),
        "{err}"
    );
    assert!(err.contains("Approval Date: approved_at"), "{err}");
    // Once per file, not per grant.
    assert_eq!(err.matches("did you mean grantee?").count(), 1, "{err}");
    // The JSON report carries the same map.
    let (_, report) = json(&[HELPDESK]);
    let map = &report["inputs"][0];
    assert_eq!(map["file"], HELPDESK);
    assert_eq!(map["kind"], "columns");
    assert!(
        map["mapping"]
            .as_str()
            .unwrap()
            .contains("Assignee: grantee"),
        "{map:#}"
    );
    let ignored: Vec<&str> = map["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    // `Requester` is an alias of requested_by: read, not ignored.
    assert_eq!(
        ignored,
        ["Subject", "Customer", "Assignee", "Approval Date"]
    );
}

#[test]
fn with_the_suggested_mapping_the_hidden_violations_are_found() {
    let (code, report) = json(&["--policy", "fixtures/messy/helpdesk-mapping.yaml", HELPDESK]);
    assert_eq!(code, 1);
    let findings = rules(&report);
    let has = |rule: &str, grant: &str| {
        findings
            .iter()
            .any(|(r, g)| r == rule && g.as_deref() == Some(grant))
    };
    assert!(has("approved-before-access", "HD-1048"), "{findings:?}");
    assert!(has("self-approval", "HD-1053"), "{findings:?}");
    // Live ticket statuses: `In Progress` and `Open`, both past their expiry.
    assert!(has("expiry-enforced", "HD-1061"), "{findings:?}");
    assert!(has("expiry-enforced", "HD-1062"), "{findings:?}");
    assert!(
        !findings.iter().any(|(r, _)| r == "shared-account"),
        "{findings:?}"
    );
    // Only the owner has no column now.
    let missing: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "column-missing")
        .map(|f| &f["field"])
        .collect();
    assert_eq!(missing, ["owner"]);
}

#[test]
fn inspect_shows_how_the_export_was_read() {
    let out = grantlint(&["inspect", HELPDESK]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Ticket ID → ticket"), "{text}");
    assert!(text.contains("no columns for: "), "{text}");
    assert!(text.contains("Assignee: grantee"), "{text}");
    assert!(text.contains("1 file, 24 grants read"), "{text}");
    let out = grantlint(&["inspect", "--format", "json", HELPDESK]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["grants"], 24);
    assert_eq!(report["inputs"][0]["ignored"][2]["name"], "Assignee");
    assert_eq!(report["inputs"][0]["ignored"][2]["suggestion"], "grantee");
}

#[test]
fn a_semicolon_export_read_with_commas_is_refused_naming_the_delimiter() {
    let csv = "fixtures/messy/zendesk-semicolon.csv";
    let out = grantlint(&["check", csv]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("not a grants export"), "{err}");
    assert!(err.contains("--delimiter ';'"), "{err}");
    let (code, report) = json(&["--delimiter", ";", csv]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["grants"], 6);
}

#[test]
fn files_that_are_not_exports_are_refused_not_linted() {
    for args in [
        vec!["check", "fixtures/messy/playbook.yml"],
        vec!["check", "fixtures/messy/report-renamed.csv"],
        vec![
            "check",
            "--input-format",
            "csv",
            "fixtures/messy/grants-as-yaml.yaml",
        ],
    ] {
        let out = grantlint(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("not a grants export") || err.contains("not valid UTF-8"),
            "{args:?}: {err}"
        );
        assert!(stdout(&out).contains("0 grants"), "{args:?}");
        assert!(!stdout(&out).contains("passed"), "{args:?}");
    }
    let err = stderr(&grantlint(&["check", "fixtures/messy/playbook.yml"]));
    assert!(err.contains("`hosts`"), "names what was seen: {err}");
    let err = stderr(&grantlint(&["check", "fixtures/messy/report-renamed.csv"]));
    assert!(
        err.contains("not a grants export: its one column is no grant field (`%PDF-1.7`)"),
        "{err}"
    );
}

#[test]
fn typod_keys_get_a_did_you_mean() {
    let out = grantlint(&["check", "--now", NOW, "fixtures/messy/typos.yaml"]);
    let err = stderr(&out);
    assert!(err.contains("aprover (did you mean approver?)"), "{err}");
    assert!(err.contains("expirs (did you mean expires?)"), "{err}");
    // `mapping:` reads CSV columns only: a YAML key is renamed, not mapped.
    assert!(
        err.contains("rename the keys: aprover → approver, expirs → expires"),
        "{err}"
    );
    assert!(!err.contains("mapping:"), "{err}");
}

#[test]
fn nothing_to_check_is_never_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let notes = dir.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::write(notes.join("a.txt"), "id,tenant\n1,acme\n").unwrap();
    for folder in [&empty, &notes] {
        let out = grantlint(&["check", folder.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("no grant exports found in"),
            "{}",
            stderr(&out)
        );
        assert!(!stdout(&out).contains("passed"));
    }
    // A file with a header and no rows.
    let header = dir.path().join("header.csv");
    std::fs::write(&header, "id,tenant,grantee\n").unwrap();
    let (code, report) = json(&[header.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(report["summary"]["passed"], false);
}

#[test]
fn a_review_that_left_grants_out_is_incomplete_never_passed() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("week.csv");
    std::fs::write(
        &csv,
        "id,tenant,grantee,approver,reason,start,expires\n\
         W-1,acme,Mina Chen,Ravi Patel,Invoice export fails since the 02:00 sync,sometime monday,2026-11-23T11:00:00Z\n\
         W-2,acme,Mina Chen,Ravi Patel,Invoice export fails since the 02:00 sync,tuesday morning,2026-11-24T11:00:00Z\n",
    )
    .unwrap();
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "--format",
        "json",
        "--fail-on",
        "never",
        csv.to_str().unwrap(),
    ]);
    let review: Value = serde_json::from_slice(&out.stdout).unwrap();
    let headline = &review["headline"];
    assert_eq!(headline["left_out"], 2, "{headline:#}");
    assert_eq!(headline["result"], "incomplete", "{headline:#}");
    assert_eq!(headline["passed"], false);
    let out = grantlint(&["report", "--now", NOW, csv.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(
        text.contains("| Left out (no readable start) | 2 |"),
        "{text}"
    );
    assert!(!text.contains("**passed**"), "{text}");
}

#[test]
fn a_baseline_never_keys_two_grants_alike_for_want_of_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("no-ids.csv");
    // No id and no ticket: both grants of one tenant break window-max the same way.
    std::fs::write(
        &csv,
        "tenant,grantee,approver,reason,start,expires,owner,ticket\n\
         acme,Mina Chen,Ravi Patel,Invoice export fails since the 02:00 sync,2026-11-23T08:00:00Z,2026-11-23T16:00:00Z,Ravi Patel,\n\
         acme,Lee Park,Ravi Patel,Invoice export fails since the 02:00 sync,2026-11-23T09:00:00Z,2026-11-23T17:00:00Z,Ravi Patel,\n",
    )
    .unwrap();
    let baseline = dir.path().join("baseline.json");
    let out = grantlint(&[
        "check",
        "--now",
        NOW,
        "--write-baseline",
        baseline.to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let recorded: Value = serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    let window: Vec<&Value> = recorded["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["rule"] == "window-max")
        .map(|e| &e["grant"])
        .collect();
    assert_eq!(
        window,
        [
            "Lee Park at 2026-11-23T09:00:00Z",
            "Mina Chen at 2026-11-23T08:00:00Z"
        ]
    );
}

#[test]
fn a_csv_that_is_not_teams_is_refused_by_source_aws_team() {
    // None of its columns (Ref, Customer, Engineer on duty, …) is one of TEAM's.
    let out = grantlint(&[
        "check",
        "--source",
        "aws-team",
        "fixtures/sources/mapped/access-log.csv",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a grants export"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_header_longer_than_the_head_read_is_not_reported_in_part() {
    // Hundreds of columns (a Jira "all fields" export): the grant fields come last.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("wide.csv");
    let filler: Vec<String> = (0..900)
        .map(|i| format!("Custom field (Extra {i:04})"))
        .collect();
    let header = format!(
        "{},id,tenant,grantee,approver,owner,ticket",
        filler.join(",")
    );
    assert!(header.len() > 16 * 1024);
    let row = format!(
        "{},W-1,acme,Mina Chen,Ravi Patel,,SUP-1",
        vec![""; 900].join(",")
    );
    std::fs::write(&csv, format!("{header}\n{row}\n")).unwrap();
    let (_, report) = json(&[csv.to_str().unwrap()]);
    let missing: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "column-missing")
        .map(|f| &f["field"])
        .collect();
    assert!(
        !missing.iter().any(|f| *f == "owner" || *f == "tenant"),
        "the columns past the cut are not missing: {missing:?}"
    );
    // The empty owner cell is the grant's own finding.
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "owner-named" && f["grant"] == "W-1"),
        "{report:#}"
    );
}

#[test]
fn column_missing_takes_its_own_severity_as_a_cap() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, "version: 1\nrules:\n  column-missing: warning\n").unwrap();
    let (_, report) = json(&["--policy", policy.to_str().unwrap(), HELPDESK]);
    let severities: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "column-missing")
        .map(|f| &f["severity"])
        .collect();
    assert_eq!(severities, ["warning"; 4]);
}

#[test]
fn a_mixed_export_is_read_whole() {
    // A byte-order mark, CRLF, a quoted reason over two lines, a spreadsheet's empty row,
    // an unknown column, and five ways of writing a time: ISO, US with AM/PM, month names,
    // Jira's, and an Excel serial. Every time reads; the live statuses past expiry fail.
    let (code, report) = json(&["fixtures/messy/mixed.csv"]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["grants"], 5);
    let findings = rules(&report);
    assert_eq!(
        findings,
        [
            ("expiry-enforced".to_string(), Some("MX-2".to_string())),
            ("expiry-enforced".to_string(), Some("MX-3".to_string())),
            ("expiry-enforced".to_string(), Some("MX-4".to_string())),
        ]
    );
}

#[test]
fn a_place_deep_in_a_long_line_is_named_without_a_snippet_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    // A one-line JSON export of 8 MB that breaks the parser's node budget millions of
    // characters along its one line (the error's place): miette's snippet would panic.
    let json_file = dir.path().join("one-line.json");
    let record = r#"{"id": "r", "principalId": "p", "roleDefinitionId": "x", "directoryScopeId": "/", "action": "selfActivate", "status": "Provisioned", "scheduleInfo": {"startDateTime": "2026-11-23T10:00:00Z", "expiration": {"type": "afterDuration", "duration": "PT1H"}}}, "#;
    let body = record.repeat(40_000);
    std::fs::write(
        &json_file,
        format!("{{\"grants\": [{body}{{}}]}}").as_bytes(),
    )
    .unwrap();
    let out = grantlint(&["check", "--source", "gcp-pam", json_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    // A finding 80,000 characters along a CSV row, in the text report.
    let csv = dir.path().join("wide-row.csv");
    let notes: Vec<String> = (0..20).map(|i| format!("Notes {i}")).collect();
    let filler = vec!["x".repeat(4_000); 20].join(",");
    std::fs::write(
        &csv,
        format!(
            "{},id,tenant,grantee,approver,reason,start,expires,owner,ticket\n{filler},W-1,acme,Mina Chen,Ravi Patel,Customer invoice sync fails after the upgrade,2026-11-23T08:00:00Z,2026-11-23T18:00:00Z,Ravi Patel,SUP-1\n",
            notes.join(",")
        ),
    )
    .unwrap();
    let out = grantlint(&["check", "--now", NOW, csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("access window is 10h"), "{text}");
    assert!(text.contains(":2:80"), "named by line and column: {text}");
}
