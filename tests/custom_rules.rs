//! The example policies in policies/examples/ run against their fixtures: each custom rule
//! fires on the grants named fail-… and stays quiet on those named pass-….

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn check(policy: &str, input: &str) -> (i32, Value) {
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--format", "json", "--now", "2026-11-24T12:00:00Z"])
        .args(["--policy", policy, input])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), report)
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

#[test]
fn every_example_policy_fires_on_its_fail_grants_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples = 0;
    // Each custom-rule example has its pass-/fail- grants in fixtures/custom/ (other
    // examples in policies/examples/ show overrides and have no fixture here).
    for entry in std::fs::read_dir(root.join("fixtures/custom")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let rule = path.file_stem().unwrap().to_str().unwrap();
        let policy = format!("policies/examples/{rule}.yaml");
        let fixture = format!("fixtures/custom/{rule}.yaml");
        let (_, report) = check(&policy, &fixture);
        let flagged: Vec<&str> = findings(&report, rule)
            .iter()
            .map(|f| f["grant"].as_str().unwrap())
            .collect();
        let text = std::fs::read_to_string(root.join(&fixture)).unwrap();
        let ids: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split("id: ").nth(1))
            .map(|rest| rest.split([',', '}']).next().unwrap().trim())
            .collect();
        let failing: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|i| i.starts_with("fail-"))
            .collect();
        assert!(ids.iter().any(|i| i.starts_with("pass-")), "{rule}");
        assert_eq!(flagged, failing, "{rule}");
        examples += 1;
    }
    assert_eq!(examples, 4);
}

#[test]
fn a_custom_finding_points_at_the_field_it_requires_or_at_the_grant() {
    let (code, report) = check(
        "policies/examples/ticket-format.yaml",
        "fixtures/custom/ticket-format.yaml",
    );
    assert_eq!(code, 1);
    let f = findings(&report, "ticket-format")[0];
    assert_eq!(
        (&f["grant"], &f["line"], &f["column"], &f["field"]),
        (
            &Value::from("fail-jira"),
            &Value::from(5),
            &Value::from(27),
            &Value::from("ticket")
        )
    );
    assert_eq!(f["message"], "ticket must be an INC- or CS- reference");
    assert_eq!(
        f["help"],
        "write the incident or case number, e.g. INC-1234 or CS-88"
    );
    // A missing field: the finding points at the grant itself.
    let (_, report) = check(
        "policies/examples/environment-required.yaml",
        "fixtures/custom/environment-required.yaml",
    );
    let f = findings(&report, "environment-required")[0];
    assert_eq!(
        (&f["line"], &f["column"]),
        (&Value::from(4), &Value::from(3))
    );
    assert_eq!(f["severity"], "warning");
}

fn grantlint(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn rules_and_explain_show_custom_rules() {
    let out = grantlint(&[
        "rules",
        "--policy",
        "policies/examples/admin-four-eyes.yaml",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("admin-four-eyes")
            && l.contains("error")
            && l.contains("the requester approved their own admin grant (custom)")),
        "{text}"
    );
    let out = grantlint(&[
        "explain",
        "admin-four-eyes",
        "--policy",
        "policies/examples/admin-four-eyes.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("help: have a second person"), "{text}");
    assert!(
        text.contains("when: any of (role matches /admin|owner|superuser/; role equals `full`)"),
        "{text}"
    );
    assert!(
        text.contains("require: not (approver is the same as requested_by)"),
        "{text}"
    );
    // Without the policy the id is unknown.
    let out = grantlint(&["explain", "admin-four-eyes"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `grantlint ARGS`: exit code, standard output, standard error.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = grantlint(args);
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every worked example in its own folder of policies/examples/ (its grantlint.yaml, an
/// export and NAME.expect.yaml) passes `grantlint test` under its own policy, and its policy
/// passes `policy check`. New examples are picked up by being there.
#[test]
fn every_example_folder_passes_its_policy_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/examples");
    let mut folders: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("grantlint.yaml").is_file())
        .map(|p| {
            format!(
                "policies/examples/{}",
                p.file_name().unwrap().to_str().unwrap()
            )
        })
        .collect();
    folders.sort();
    for folder in &folders {
        let (code, out, err) = run(&["test", folder]);
        assert_eq!(code, 0, "{folder}:\n{out}{err}");
        assert!(out.contains(" passed, 0 failed"), "{folder}: {out}");
        let policy = format!("{folder}/grantlint.yaml");
        let (code, out, err) = run(&["policy", "check", &policy]);
        assert_eq!(code, 0, "{policy}: {out}{err}");
    }
    for example in [
        "access-review-due",
        "prod-admin-concurrency",
        "after-hours-incident-link",
        "ticket-closed-deadline",
        "vip-consent",
    ] {
        let folder = format!("policies/examples/{example}");
        assert!(folders.contains(&folder), "{folder} is missing");
        assert!(root.join(example).join("README.md").is_file(), "{example}");
    }
}

/// `now` in `compare:` is the run's time: `--now` moves it, and with it which reviews are
/// overdue.
#[test]
fn now_in_a_comparison_is_the_time_the_run_is_given() {
    let overdue = |now: &str| -> Vec<(String, String)> {
        let (_, out, err) = run(&[
            "check",
            "--format",
            "json",
            "--now",
            now,
            "--policy",
            "policies/examples/access-review-due/grantlint.yaml",
            "policies/examples/access-review-due/grants.yaml",
        ]);
        let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
        findings(&report, "access-review-overdue")
            .iter()
            .map(|f| (f["grant"].to_string(), f["field"].to_string()))
            .collect()
    };
    let named = |grant: &str, field: &str| (format!("\"{grant}\""), field.to_string());
    assert_eq!(
        overdue("2026-11-24T12:00:00Z"),
        [
            named("REV-2", "\"last_reviewed\""),
            named("REV-3", "\"last_reviewed\"")
        ]
    );
    // On 1 September, July's review is recent, and REV-4 has not expired yet.
    assert_eq!(
        overdue("2026-09-01T00:00:00Z"),
        [
            named("REV-3", "\"last_reviewed\""),
            named("REV-4", "\"last_reviewed\"")
        ]
    );
}

#[test]
fn policy_check_counts_custom_rules_apart_from_the_built_in_ones() {
    let (code, out, _) = run(&[
        "policy",
        "check",
        "policies/examples/vip-consent/grantlint.yaml",
    ]);
    assert_eq!(code, 0);
    let (on, total) = out
        .split_once(" (")
        .and_then(|(_, rest)| rest.split_once(" rules on"))
        .and_then(|(counts, _)| counts.split_once(" of "))
        .unwrap();
    let (on, total): (usize, usize) = (on.parse().unwrap(), total.parse().unwrap());
    assert!(on <= total, "{out}");
    assert!(
        out.contains(", 1 of 1 custom rules on, 2 overrides)"),
        "{out}"
    );
}

#[test]
fn policy_check_counts_limits_apart_from_the_rules() {
    // Was "18 of 19 rules on": the limit counted as a built-in rule (and past 19 with more).
    let (code, out, _) = run(&[
        "policy",
        "check",
        "policies/examples/per-engineer-concurrency/grantlint.yaml",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.ends_with(": valid (17 of 19 rules on, 1 limit, 0 overrides)\n"),
        "{out}"
    );
}

#[test]
fn a_declared_field_no_column_holds_is_said_once_for_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("grants.csv");
    std::fs::write(
        &csv,
        "id,tenant,VIP\nSUP-1,acme,yes\nSUP-2,acme,no\nSUP-3,globex,yes\n",
    )
    .unwrap();
    let policy = "policies/examples/vip-consent/grantlint.yaml";
    let (_, report) = check(policy, csv.to_str().unwrap());
    let missing: Vec<&Value> = findings(&report, "column-missing")
        .into_iter()
        .filter(|f| f["message"].as_str().unwrap().contains("customer_consent"))
        .collect();
    assert_eq!(missing.len(), 1, "{report:#}");
    assert_eq!(
        (&missing[0]["line"], &missing[0]["column"]),
        (&1.into(), &1.into())
    );
    // The report names the declared field, as it names a built-in one.
    assert_eq!(missing[0]["field"], "customer_consent");
    assert!(
        missing[0]["message"].as_str().unwrap().starts_with(
            "no column of this export holds the declared field customer_consent (read from: customer_consent, consent)"
        ),
        "{missing:?}"
    );
    // The VIP grants still fail the rule; the non-VIP one does not.
    let flagged: Vec<&str> = findings(&report, "vip-consent")
        .iter()
        .map(|f| f["grant"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, ["SUP-1", "SUP-3"]);
    // A custom rule's finding names the declared field it requires.
    for f in findings(&report, "vip-consent") {
        assert_eq!(f["field"], "customer_consent", "{f:#}");
    }
}

#[test]
fn a_yaml_export_keeps_declared_keys_and_reads_them_by_type() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("grants.yaml");
    std::fs::write(
        &yaml,
        "- {id: SUP-1, tenant: acme, vip_tenant: true, consent: 'yes'}\n- {id: SUP-2, tenant: acme, vip_tenant: true, consent: false}\n- {id: SUP-3, tenant: acme, vip_tenant: sometimes}\n",
    )
    .unwrap();
    let (_, report) = check(
        "policies/examples/vip-consent/grantlint.yaml",
        yaml.to_str().unwrap(),
    );
    let flagged: Vec<&str> = findings(&report, "vip-consent")
        .iter()
        .map(|f| f["grant"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, ["SUP-2"]);
    let unreadable = findings(&report, "field-format");
    assert_eq!(unreadable.len(), 1);
    assert_eq!(
        (
            &unreadable[0]["grant"],
            &unreadable[0]["line"],
            &unreadable[0]["column"]
        ),
        (&"SUP-3".into(), &3.into(), &41.into())
    );
    assert_eq!(
        unreadable[0]["message"],
        "vip `sometimes` is not a bool: expected true or false"
    );
    assert_eq!(unreadable[0]["field"], "vip");
}

#[test]
fn policy_show_names_where_each_declared_field_and_calendar_comes_from() {
    let (code, out, _) = run(&[
        "policy",
        "show",
        "--policy",
        "policies/examples/after-hours-incident-link/grantlint.yaml",
    ]);
    assert_eq!(code, 0);
    let line = |start: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("no `{start}` in\n{out}"))
            .to_string()
    };
    assert!(
        line("zone: Europe/Berlin").ends_with("after-hours-incident-link/grantlint.yaml:9"),
        "{out}"
    );
    assert!(line("type: text").ends_with("grantlint.yaml:6"), "{out}");
    assert!(
        line("outside: business").contains("grantlint.yaml:"),
        "{out}"
    );
}

#[test]
fn an_override_on_a_declared_field_sets_a_custom_rules_severity() {
    let (_, report) = check(
        "policies/examples/vip-consent/grantlint.yaml",
        "policies/examples/vip-consent/grants.csv",
    );
    let severities: Vec<(&str, &str)> = findings(&report, "vip-consent")
        .iter()
        .map(|f| {
            (
                f["grant"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect();
    // SUP-2 is a prod grant (override: error), SUP-3 a test one (the rule's own warning).
    assert_eq!(severities, [("SUP-2", "error"), ("SUP-3", "warning")]);
    let window: Vec<&str> = findings(&report, "window-max")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(window, ["access window is 2h, above the 1h maximum"]);
}

#[test]
fn explain_says_a_time_condition_in_words() {
    let (code, out, _) = run(&[
        "explain",
        "after-hours-incident",
        "--policy",
        "policies/examples/after-hours-incident-link/grantlint.yaml",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("when: start is outside the hours of calendar `business` (Europe/Berlin)"),
        "{out}"
    );
    let (_, out, _) = run(&[
        "explain",
        "ended-after-ticket-closed",
        "--policy",
        "policies/examples/ticket-closed-deadline/grantlint.yaml",
    ]);
    assert!(
        out.contains("require: ended_at <= ticket_closed + 15m"),
        "{out}"
    );
}

#[test]
fn a_native_export_fills_declared_fields_from_paths_in_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let request = |name: &str, labels: &str, consent: &str| {
        format!(
            r#"{{"kind": "access_request", "version": "v3", "metadata": {{"name": "{name}"{labels}}},
 "spec": {{"user": "mina.chen@example.com", "roles": ["acme-support"], "state": 2,
  "created": "2026-11-23T10:00:00Z", "expires": "2026-11-23T11:00:00Z",
  "request_reason": "Acme invoices fail to export since the sync, SUP-1"{consent},
  "reviews": [{{"author": "ravi.patel@example.com", "proposed_state": 2, "created": "2026-11-23T10:00:00Z"}}],
  "resource_ids": [{{"cluster": "acme-prod", "kind": "node", "name": "n1"}}]}}}}"#
        )
    };
    let requests = [
        request("R-1", r#", "labels": {"VIP": "true"}"#, ""),
        request(
            "R-2",
            r#", "labels": {"VIP": "true"}"#,
            r#", "system_annotations": {"consent": ["yes"]}"#,
        ),
        request("R-3", "", ""),
    ];
    let export = dir.path().join("requests.json");
    std::fs::write(&export, format!("[{}]", requests.join(",\n"))).unwrap();
    let policy = dir.path().join("grantlint.yaml");
    std::fs::write(
        &policy,
        "version: 1\nfields:\n  vip: {type: bool, from: metadata.labels.vip}\n  customer_consent: {type: bool, from: spec.system_annotations.consent}\n  mfa: {type: bool, from: spec.mfa}\ncustom:\n  - id: vip-consent\n    message: access to a VIP tenant without the customer's consent\n    when: {field: vip, equals: true}\n    require: {field: customer_consent, equals: true}\n",
    )
    .unwrap();
    let (_, report) = check(policy.to_str().unwrap(), export.to_str().unwrap());
    let flagged: Vec<String> = findings(&report, "vip-consent")
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}",
                f["grant"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect();
    // R-1 is VIP without consent; R-2 has it (a list of one); R-3 is no VIP.
    assert_eq!(flagged, ["R-1 1:2"], "{report:#}");
    // A declared field no record holds is said once for the file, never passed unseen.
    let missing: Vec<String> = findings(&report, "column-missing")
        .iter()
        .map(|f| {
            format!(
                "{}:{} {}",
                f["line"],
                f["column"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        missing,
        [
            "1:1 no record of this export holds the declared field mfa (read from: mfa, spec_mfa), so no grant has it"
        ]
    );
}

#[test]
fn text_tests_on_approvers_judge_each_name_of_a_list() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("grantlint.yaml");
    std::fs::write(
        &policy,
        concat!(
            "version: 1\n",
            "custom:\n",
            "  - {id: no-bot, message: a bot approved, require: {not: {field: approver, equals: deploy-bot}}}\n",
            "  - {id: allowed-approvers, message: approver not allowed, require: {field: approver, in: [ravi patel, dana lee]}}\n",
        ),
    )
    .unwrap();
    let grants = dir.path().join("grants.yaml");
    std::fs::write(
        &grants,
        concat!(
            "- {id: G-1, approvers: [Ravi Patel, deploy-bot]}\n",
            "- {id: G-2, approvers: [Ravi Patel, Dana Lee]}\n",
        ),
    )
    .unwrap();
    let (_, report) = check(policy.to_str().unwrap(), grants.to_str().unwrap());
    let grants_of = |rule| -> Vec<&str> {
        findings(&report, rule)
            .iter()
            .map(|f| f["grant"].as_str().unwrap())
            .collect()
    };
    assert_eq!(grants_of("no-bot"), ["G-1"], "{report:#}");
    assert!(grants_of("allowed-approvers").is_empty(), "{report:#}");
}

/// The SARIF rule descriptors of `check --policy POLICY` on a YAML file of `grants`, by id.
fn sarif_descriptors(policy: &str, grants: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grants.yaml");
    std::fs::write(&path, grants).unwrap();
    let (_, sarif, _) = run(&[
        "check",
        "--format",
        "sarif",
        "--policy",
        policy,
        path.to_str().unwrap(),
    ]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .clone()
}

fn descriptor<'a>(descriptors: &'a [Value], id: &str) -> &'a Value {
    descriptors
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no descriptor {id}: {descriptors:#?}"))
}

#[test]
fn a_custom_rules_severity_set_under_rules_is_the_one_every_output_shows() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("grantlint.yaml");
    std::fs::write(
        &policy,
        concat!(
            "version: 1\n",
            "rules:\n",
            "  ticket-present: error\n",
            "custom:\n",
            "  - {id: ticket-present, severity: info, message: no ticket, require: {present: ticket}}\n",
        ),
    )
    .unwrap();
    let policy = policy.to_str().unwrap();
    let (_, rules, _) = run(&["rules", "--policy", policy]);
    let line = rules
        .lines()
        .find(|l| l.starts_with("ticket-present"))
        .unwrap();
    assert!(line.contains(" error "), "{line}");
    let (_, explain, _) = run(&["explain", "ticket-present", "--policy", policy]);
    assert!(explain.contains("custom rule, severity error"), "{explain}");
    let descriptors = sarif_descriptors(policy, "- {id: G-1, role: reader}\n");
    let rule = descriptor(&descriptors, "ticket-present");
    assert_eq!(rule["defaultConfiguration"]["level"], "error", "{rule:#}");
}

#[test]
fn sarif_describes_each_limit_even_without_a_finding() {
    let descriptors = sarif_descriptors(
        "policies/examples/per-engineer-concurrency/grantlint.yaml",
        "- {id: G-1, grantee: Mina Chen}\n",
    );
    let limit = descriptor(&descriptors, "engineer-concurrency");
    assert_eq!(
        limit["shortDescription"]["text"],
        "at most 2 grants of one grantee may be active at the same time"
    );
    assert_eq!(limit["defaultConfiguration"]["level"], "error");
    assert_eq!(limit["defaultConfiguration"]["enabled"], true);
}

#[test]
fn sarif_marks_a_rule_an_override_turns_on_as_enabled() {
    let descriptors = sarif_descriptors(
        "policies/examples/prod-admin-two-person/grantlint.yaml",
        "- {id: G-1, environment: test, role: reader}\n",
    );
    // Off in `rules:`, on for production admin grants: results may cite it.
    let on = descriptor(&descriptors, "approvals-min");
    assert_eq!(on["defaultConfiguration"]["enabled"], true, "{on:#}");
    assert_eq!(on["defaultConfiguration"]["level"], "error");
    // Still off everywhere: not enabled.
    let off = descriptor(&descriptors, "approver-authorized");
    assert_eq!(off["defaultConfiguration"]["enabled"], false, "{off:#}");
}
