//! Teleport exports as Teleport writes them (fixtures/teleport/, shapes from types.proto and
//! events.proto): `tctl requests ls --format=json`, `tctl get access_request` YAML and the audit
//! log's JSON lines, each with its expected findings; then one test per defect of issue 20.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{grantlint, json, stderr, stdout};

use serde_json::Value;

/// Each finding as `rule grant line:column message`, in report order.
fn findings(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{} {}",
                f["rule"].as_str().unwrap(),
                f["grant"].as_str().unwrap_or("-"),
                f["line"],
                f["column"],
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// The findings of `rule` only.
fn of_rule(report: &Value, rule: &str) -> Vec<String> {
    findings(report)
        .into_iter()
        .filter(|f| f.starts_with(&format!("{rule} ")))
        .collect()
}

/// Lints a fixture with `--source teleport`, checks detection by shape reads it the same, and
/// returns the exit code and report.
fn lint_fixture(file: &str) -> (i32, Value) {
    let path = format!("fixtures/teleport/{file}");
    let (code, named) = json(&["--source", "teleport", &path]);
    let (_, detected) = json(&[&path]);
    assert_eq!(
        named, detected,
        "{file}: detection differs from --source teleport"
    );
    (code, named)
}

/// Lints `text` written to a scratch file called `name`, with `extra` arguments.
fn lint_text(name: &str, text: &str, extra: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let mut args = extra.to_vec();
    args.extend(["--source", "teleport", path.to_str().unwrap()]);
    json(&args)
}

const BOT: &str = "is a bot: the approval was automatic, not a named person's";

#[test]
fn tctl_requests_ls_json_lints_the_granted_and_counts_the_rest() {
    let (code, report) = lint_fixture("requests.json");
    assert_eq!(code, 1);
    // Granted: two approvals, the bot's, the team's; not linted: DENIED, PENDING, no state
    // (NONE) and PROMOTED.
    assert_eq!(report["summary"]["grants"], 3);
    assert_eq!(report["summary"]["skipped"], 4);
    assert_eq!(
        of_rule(&report, "approver-named"),
        [
            format!(
                "approver-named 2e9d7c61-0a3b-4f5c-8e2d-7b3c9e5f2a02 56:21 approver `@teleport-access-approval-bot` {BOT}"
            ),
            "approver-named 3a7b1e92-6c4d-4b8e-a1f3-8c4d0f6a3b03 79:20 approver `support-team` is a team or alias, not a person".to_string(),
        ]
    );
    // The request reason is the requester's justification for the privileged role.
    assert!(of_rule(&report, "admin-justified").is_empty());
    // Neither an expiry nor a window finding: spec.expires is the end of access.
    assert!(of_rule(&report, "window-max").is_empty());
    assert!(of_rule(&report, "expiry-required").is_empty());
    assert_eq!(report["summary"]["findings"], 8, "{:#?}", findings(&report));
}

#[test]
fn tctl_get_yaml_reads_like_the_json() {
    let (code, report) = lint_fixture("get.yaml");
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["grants"], 2);
    assert_eq!(report["summary"]["skipped"], 3, "DENIED, PENDING, PROMOTED");
    assert_eq!(
        of_rule(&report, "approver-named"),
        [format!(
            "approver-named 2e9d7c61-0a3b-4f5c-8e2d-7b3c9e5f2a02 59:13 approver `@teleport-access-approval-bot` {BOT}"
        )]
    );
    // The first grant points at its own YAML document; the second at the one after `---`.
    let owners = of_rule(&report, "owner-named");
    assert_eq!(
        owners,
        [
            "owner-named 1f0c2a8e-5b1d-4e7a-9c3f-6a2b8d4e1f01 1:1 no owner named",
            "owner-named 2e9d7c61-0a3b-4f5c-8e2d-7b3c9e5f2a02 46:1 no owner named",
        ]
    );
}

#[test]
fn the_audit_log_joins_reviews_and_updates_to_their_request() {
    let (code, report) = lint_fixture("audit.jsonl");
    assert_eq!(code, 1);
    // Granted by a review alone, by the bot, by two reviews, by `tctl requests approve`;
    // not linted: DENIED, PROMOTED, still PENDING.
    assert_eq!(report["summary"]["grants"], 4);
    assert_eq!(report["summary"]["skipped"], 3);
    assert_eq!(
        of_rule(&report, "approver-named"),
        [
            format!(
                "approver-named b2f1dae3-2c3d-4e4f-9051-1b2c3d4e5f02 5:436 approver `@teleport-access-approval-bot` {BOT}"
            ),
            "approver-named c3a2ebf4-3d4e-4f50-a162-2c3d4e5f6a03 8:249 approver `support-team` is a team or alias, not a person".to_string(),
        ]
    );
    assert_eq!(
        report["summary"]["findings"],
        10,
        "{:#?}",
        findings(&report)
    );
}

#[test]
fn a_review_that_meets_the_threshold_grants_without_an_update() {
    let log = concat!(
        r#"{"event":"access_request.create","id":"r1","user":"alice","roles":["reader"],"state":"PENDING","time":"2026-11-24T09:00:00Z","expires":"2026-11-24T11:00:00Z","reason":"Restore the acme invoice export after the failed sync"}"#,
        "\n",
        r#"{"event":"access_request.review","id":"r1","reviewer":"ravi.patel","proposed_state":"APPROVED","state":"APPROVED","time":"2026-11-24T09:05:00Z"}"#,
        "\n",
    );
    let (_, report) = lint_text("audit.jsonl", log, &[]);
    assert_eq!(report["summary"]["grants"], 1, "{report:#}");
    assert_eq!(report["summary"].get("skipped"), None);
    assert!(of_rule(&report, "approver-named").is_empty());
    // Access began at the approving review: had it begun later than 09:05, the approval
    // would still be before it, and at the create event's time it would not be.
    assert!(of_rule(&report, "approved-before-access").is_empty());
}

#[test]
fn a_review_that_leaves_the_request_pending_grants_nothing() {
    let log = concat!(
        r#"{"event":"access_request.create","id":"r1","user":"alice","state":"PENDING","time":"2026-11-24T09:00:00Z"}"#,
        "\n",
        r#"{"event":"access_request.review","id":"r1","reviewer":"ravi.patel","proposed_state":"APPROVED","state":"PENDING","time":"2026-11-24T09:05:00Z"}"#,
        "\n",
    );
    let (_, report) = lint_text("audit.jsonl", log, &[]);
    assert_eq!(report["summary"]["grants"], 0);
    assert_eq!(report["summary"]["skipped"], 1, "one of two approvals");
}

#[test]
fn the_access_approval_bot_is_not_a_named_approver() {
    let requests = r#"[{"kind": "access_request", "metadata": {"name": "r1"}, "spec": {
 "user": "alice", "roles": ["reader"], "state": 2, "created": "2026-11-24T09:00:00Z",
 "expires": "2026-11-24T11:00:00Z", "request_reason": "Restore the acme invoice export after the failed sync",
 "reviews": [{"author": "@teleport-access-approval-bot", "proposed_state": 2, "created": "2026-11-24T09:00:01Z"}]}}]"#;
    let (code, report) = lint_text("requests.json", requests, &[]);
    assert_eq!(code, 1);
    let found = of_rule(&report, "approver-named");
    assert_eq!(
        found,
        [format!(
            "approver-named r1 4:25 approver `@teleport-access-approval-bot` {BOT}"
        )]
    );
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "approver-named")
        .unwrap();
    assert!(
        finding["help"]
            .as_str()
            .unwrap()
            .contains("have a person review"),
        "{finding:#}"
    );
    // A self-hosted plugin's own user is named in the policy.
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nrules:\n  approver-named:\n    bots: [access-plugin]\n",
    )
    .unwrap();
    let plugin = requests.replace("@teleport-access-approval-bot", "access-plugin");
    let (_, report) = lint_text(
        "requests.json",
        &plugin,
        &["--policy", policy.to_str().unwrap()],
    );
    assert_eq!(
        of_rule(&report, "approver-named"),
        [format!(
            "approver-named r1 4:25 approver `access-plugin` {BOT}"
        )]
    );
}

#[test]
fn promoted_requests_are_counted_not_linted() {
    let requests = r#"[{"kind": "access_request", "metadata": {"name": "r1"}, "spec": {
 "user": "alice", "roles": ["admin"], "state": 4, "created": "2026-11-24T09:00:00Z",
 "request_reason": "x", "access_list": {"name": "l1", "title": "On-call"},
 "reviews": [{"author": "ravi", "proposed_state": 4, "created": "2026-11-24T09:01:00Z"}]}}]"#;
    // Nothing became access, so nothing was checked: never a pass (exit 2).
    let (code, report) = lint_text("requests.json", requests, &[]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["summary"]["grants"], 0);
    assert_eq!(report["summary"]["skipped"], 1);
    let log = concat!(
        r#"{"event":"access_request.create","id":"r1","user":"alice","roles":["admin"],"state":"PENDING","time":"2026-11-24T09:00:00Z"}"#,
        "\n",
        r#"{"event":"access_request.review","id":"r1","reviewer":"ravi","proposed_state":"PROMOTED","state":"PROMOTED","promoted_access_list_name":"l1","time":"2026-11-24T09:01:00Z"}"#,
        "\n",
    );
    let (code, report) = lint_text("audit.jsonl", log, &[]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["summary"]["skipped"], 1);
}

#[test]
fn the_update_names_its_approver() {
    let log = concat!(
        r#"{"event":"access_request.create","id":"r1","user":"alice","roles":["reader"],"state":"PENDING","time":"2026-11-24T09:00:00Z","expires":"2026-11-24T11:00:00Z","reason":"Restore the acme invoice export after the failed sync"}"#,
        "\n",
        r#"{"event":"access_request.update","id":"r1","state":"APPROVED","updated_by":"support-team","time":"2026-11-24T09:05:00Z"}"#,
        "\n",
        r#"{"event":"access_request.create","id":"r2","user":"bob","roles":["reader"],"state":"PENDING","time":"2026-11-24T09:00:00Z","expires":"2026-11-24T11:00:00Z","reason":"Restore the acme invoice export after the failed sync"}"#,
        "\n",
        r#"{"event":"access_request.update","id":"r2","state":"APPROVED","updated_by":"slack-plugin","delegator":"bob","time":"2026-11-24T09:05:00Z"}"#,
        "\n",
    );
    let (_, report) = lint_text("audit.jsonl", log, &[]);
    assert_eq!(report["summary"]["grants"], 2);
    assert_eq!(
        of_rule(&report, "approver-named"),
        ["approver-named r1 2:76 approver `support-team` is a team or alias, not a person"]
    );
    // A plugin names whoever acted through it as the delegator: here the requester.
    assert_eq!(
        of_rule(&report, "self-approval"),
        ["self-approval r2 4:103 `bob` approved their own access"]
    );
}

#[test]
fn every_approving_review_is_an_approval() {
    let requests = r#"[{"kind": "access_request", "metadata": {"name": "r1"}, "spec": {
 "user": "alice", "roles": ["reader"], "state": 2, "created": "2026-11-24T09:00:00Z",
 "expires": "2026-11-24T11:00:00Z", "request_reason": "Restore the acme invoice export after the failed sync",
 "reviews": [
  {"author": "ravi", "proposed_state": 2, "created": "2026-11-24T09:01:00Z"},
  {"author": "carol", "proposed_state": 3, "created": "2026-11-24T09:02:00Z"},
  {"author": "alice", "proposed_state": "APPROVED", "created": "2026-11-24T09:03:00Z"}]}}]"#;
    let (_, report) = lint_text("requests.json", requests, &[]);
    assert_eq!(
        of_rule(&report, "self-approval"),
        ["self-approval r1 7:14 `alice` approved their own access"]
    );
}

#[test]
fn tctl_get_yaml_errors_are_located() {
    let (code, _) = lint_text("get.yaml", "kind: access_request\nspec:\n  user: [a\n", &[]);
    assert_eq!(code, 2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all.yaml");
    std::fs::write(
        &path,
        "kind: access_request\nmetadata:\n  name: r1\nspec:\n  user: a\n  state: 1\n---\nkind: role\nmetadata:\n  name: editor\nspec: {}\n",
    )
    .unwrap();
    let out = grantlint(&["check", "--source", "teleport", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("all.yaml:8:7"), "{err}");
    assert!(
        err.contains("a `role` resource, not an `access_request`"),
        "{err}"
    );
    // Broken YAML names its line.
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "kind: access_request\nspec:\n  user: [a\n").unwrap();
    let out = grantlint(&["check", "--source", "teleport", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("broken.yaml:3:9"), "{err}");
    assert!(err.contains("3 │   user: [a"), "{err}");
    assert!(!err.contains("JSON object"), "{err}");
}

#[test]
fn explain_names_only_fields_the_proto_defines() {
    let out = grantlint(&["explain", "--source", "teleport"]);
    assert_eq!(out.status.code(), Some(0));
    let docs = stdout(&out);
    assert!(!docs.contains("access_expiry"), "{docs}");
    // AccessRequestSpecV3's json tags (types.proto).
    let spec = [
        "user",
        "roles",
        "state",
        "created",
        "expires",
        "request_reason",
        "resolve_reason",
        "resolve_annotations",
        "system_annotations",
        "thresholds",
        "rtm",
        "reviews",
        "suggested_reviewers",
        "resource_ids",
        "login_hint",
        "dry_run",
        "max_duration",
        "session_ttl",
        "access_list",
        "assume_start_time",
        "expiry",
    ];
    for (i, _) in docs.match_indices("`spec.") {
        let name: String = docs[i + 6..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert!(
            spec.contains(&name.as_str()),
            "`spec.{name}` is not in the proto"
        );
    }
    assert!(docs.contains("| `spec.expires` | expires |"), "{docs}");
    assert!(docs.contains("`4 PROMOTED` | skipped"), "{docs}");
    assert!(docs.contains("What this export cannot say"), "{docs}");
}
