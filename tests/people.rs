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
