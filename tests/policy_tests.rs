//! `grantlint test`: the example suite in policies/examples/tests passes under its own policy,
//! fails with the difference under another, and broken cases stop the run with exit code 2.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

use assert_cmd::Command;

fn grantlint(args: &[&str]) -> Output {
    Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_example_suite_passes_under_its_own_policy() {
    let out = grantlint(&["test", "policies/examples/tests"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        "ok    policies/examples/tests/clean\nok    policies/examples/tests/tickets\nok    policies/examples/tests/windows\n3 tests: 3 passed, 0 failed\n"
    );
}

#[test]
fn another_policy_fails_and_shows_the_difference() {
    // The default policy allows 4h windows and has no ticket-format rule.
    let out = grantlint(&[
        "test",
        "policies/examples/tests",
        "--policy",
        "policies/examples/environment-required.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("FAIL  policies/examples/tests/tickets\n  - missing     ticket-format on SUP-2\n  - missing     ticket-format on SUP-4\n"), "{text}");
    assert!(
        text.contains("  - missing     window-max on W-2\n"),
        "{text}"
    );
    // clean states its environment, so the policy's environment-required rule stays quiet.
    assert!(
        text.contains("ok    policies/examples/tests/clean\n"),
        "{text}"
    );
    assert!(text.ends_with("3 tests: 1 passed, 2 failed\n"), "{text}");
}

#[test]
fn unexpected_findings_are_shown_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), "- {id: G-1, tenant: '*'}\n").unwrap();
    std::fs::write(
        dir.path().join("a.expect.yaml"),
        "rules: [tenant-specific, ticket-linked]\nfindings:\n  - {rule: tenant-specific, grant: G-1}\n",
    )
    .unwrap();
    let out = grantlint(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("  + unexpected  ticket-linked on G-1  (")
            && text.contains("a.yaml:1:3: no ticket"),
        "{text}"
    );
}

#[test]
fn broken_cases_and_missing_folders_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), "- {id: G-1}\n").unwrap();
    std::fs::write(
        dir.path().join("a.expect.yaml"),
        "findings:\n  - {rule: ticket-linked, grnt: G-1}\n",
    )
    .unwrap();
    let out = grantlint(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown key `grnt` in a finding"), "{err}");
    assert!(err.contains("a.expect.yaml:2:27"), "{err}");

    std::fs::write(dir.path().join("b.expect.yaml"), "findings: []\n").unwrap();
    let out = grantlint(&["test", dir.path().to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("this test has no export beside it"), "{err}");

    let out = grantlint(&["test", "no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such folder of policy tests"));
}
