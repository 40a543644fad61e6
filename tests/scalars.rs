//! YAML 1.2 core scalars in every file grantlint reads: only `true` and `false` are booleans,
//! so `yes`, `no`, `on` and `off` stay the text the user wrote.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{grantlint, json, stderr, stdout};

#[test]
fn yes_and_no_in_a_grant_stay_text() {
    let (code, report) = json(&["fixtures/scalars/yes-no-words.yaml"]);
    assert_eq!(code, 1);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    // The Norway tenant `NO` is not the boolean false.
    assert_eq!(findings[0]["tenant"], "NO");
    // `approver: yes` is judged as the phrase `yes`, which names no one.
    assert_eq!(findings[0]["rule"], "approver-named");
    assert_eq!(findings[0]["message"], "approver `yes` names no one");
    assert_eq!(
        (&findings[0]["line"], &findings[0]["column"]),
        (&11.into(), &13.into())
    );
}

#[test]
fn on_and_off_in_a_policy_and_a_grant_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    // `on` is a tenant the team reserves; `off` is a rule's severity, as it always was.
    std::fs::write(
        &policy,
        "version: 1\nextends: default\nrules:\n  tenant-specific: {wildcards: [on]}\n  ticket-linked: off\n",
    )
    .unwrap();
    let grants = dir.path().join("grants.yaml");
    std::fs::write(
        &grants,
        "- {id: A, tenant: on, start: 2026-11-23T09:00:00Z, expires: 2026-11-23T10:00:00Z}\n",
    )
    .unwrap();
    let (_, report) = json(&[
        "--policy",
        policy.to_str().unwrap(),
        grants.to_str().unwrap(),
    ]);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"tenant-specific"), "{report:#}");
    assert!(!rules.contains(&"ticket-linked"), "{report:#}");
    assert_eq!(report["findings"][0]["tenant"], "on");
}

#[test]
fn policy_show_prints_the_phrase_yes_not_true() {
    let out = grantlint(&["policy", "show"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown = stdout(&out);
    // The approver-named phrase list of the default policy.
    let phrases: Vec<&str> = shown
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("approver-named:"))
        .take_while(|l| !l.trim_start().starts_with("self-approval:"))
        .collect();
    assert!(phrases.contains(&"      - 'yes'"), "{phrases:#?}");
    assert!(!shown.contains("- true"), "{shown}");
}
