//! Runs the built binary as users and CI jobs do, and pins exit codes and output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, grantlint, json, stderr, stdout};

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// Every rule has fixtures/rules/<rule>.yaml: grants named fail-… must get a finding of that
/// rule, grants named pass-… must not.
#[test]
fn every_rule_passes_and_fails_its_own_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut rules = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let rule = path.file_stem().unwrap().to_str().unwrap().to_string();
        let (_, report) = json(&[path.to_str().unwrap()]);
        let text = std::fs::read_to_string(&path).unwrap();
        let ids: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split("id: ").nth(1))
            .map(|rest| rest.split([',', '}']).next().unwrap().trim())
            .collect();
        assert!(
            ids.iter().any(|i| i.starts_with("pass-"))
                && ids.iter().any(|i| i.starts_with("fail-")),
            "{rule}"
        );
        for id in ids {
            let hits = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["rule"] == rule.as_str() && f["grant"] == id)
                .count();
            let expected = usize::from(id.starts_with("fail-"));
            assert_eq!(hits, expected, "{rule}: grant {id}");
        }
        rules.push(rule);
    }
    // column-missing judges a file's columns, not grants: tests/messy.rs and the sources' cover it.
    let registry = grantlint::rules::REGISTRY.iter().map(|r| r.id.to_string());
    let mut expected: Vec<String> = registry.filter(|id| id != "column-missing").collect();
    rules.sort();
    expected.sort();
    assert_eq!(rules, expected, "one fixture per rule");
}

#[test]
fn the_article_example_passes_cleanly() {
    let (code, report) = json(&["fixtures/samples/article-example.yaml"]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["findings"], 0);
    assert_eq!(report["summary"]["passed"], true);
}

#[test]
fn fixtures_json_report() {
    let (code, report) = json(&[
        "fixtures/samples/grants.yaml",
        "fixtures/samples/tickets.csv",
        "fixtures/samples/grants.json",
    ]);
    assert_eq!(code, 1);
    insta::assert_json_snapshot!(report);
}

#[test]
fn fixtures_text_report() {
    let out = grantlint(&[
        "check",
        "--now",
        NOW,
        "--color",
        "never",
        "fixtures/samples/grants.yaml",
        "fixtures/samples/tickets.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn csv_cells_are_located_through_bom_crlf_and_quoted_newlines() {
    let (_, report) = json(&["fixtures/samples/tickets.csv"]);
    let at = |rule: &str, grant: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule && f["grant"] == grant)
            .map(|f| {
                (
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["field"].clone(),
                )
            })
    };
    // T-2's notes hold a quoted newline, so T-3 starts on line 5 and its revocation is on 6.
    assert_eq!(at("reason-specific", "T-2"), Some((3, 40, "reason".into())));
    assert_eq!(
        at("expiry-enforced", "T-3"),
        Some((6, 119, "ended_at".into()))
    );
    assert_eq!(at("field-format", "T-4"), Some((7, 1, Value::Null)));
}

#[test]
fn exit_codes() {
    let code = |args: &[&str]| grantlint(args).status.code().unwrap();
    assert_eq!(
        code(&[
            "check",
            "--now",
            NOW,
            "fixtures/samples/article-example.yaml"
        ]),
        0
    );
    assert_eq!(
        code(&["check", "--now", NOW, "fixtures/samples/grants.yaml"]),
        1
    );
    assert_eq!(
        code(&[
            "check",
            "--now",
            NOW,
            "--fail-on",
            "never",
            "fixtures/samples/grants.yaml"
        ]),
        0
    );
    // ticket-linked only warns: fails with --fail-on warning, passes by default.
    assert_eq!(
        code(&[
            "check",
            "--now",
            NOW,
            "fixtures/rules/ticket-linked.yaml",
            "--fail-on",
            "warning"
        ]),
        1
    );
    let warn_only = r#"[{"id": "w", "tenant": "t", "grantee": "Ann Lee", "approver": "Bo Chan", "owner": "Bo Chan",
        "reason": "Investigate failed invoice export for tenant t", "start": "2026-11-23T10:00:00Z",
        "expires": "2026-11-23T11:00:00Z"}]"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.json");
    std::fs::write(&file, warn_only).unwrap();
    let file = file.to_str().unwrap();
    assert_eq!(code(&["check", "--now", NOW, file]), 0);
    assert_eq!(
        code(&["check", "--now", NOW, "--fail-on", "warning", file]),
        1
    );
    assert_eq!(code(&["check", "--now", NOW, "--fail-on", "info", file]), 1);
    assert_eq!(code(&["check", "no/such/file.yaml"]), 2);
    assert_eq!(code(&["check", "--now", "tomorrow", "fixtures"]), 2);
    assert_eq!(code(&["check", "--format", "xml", "fixtures"]), 2);
}

#[test]
fn repeat_tenant_counts_one_tenant_across_files() {
    // Three files, each with its own tenants and ids: the run numbers them as one.
    let dir = tempfile::tempdir().unwrap();
    let header = "id,tenant,start\n";
    let files = [
        (
            "a.csv",
            "a-1,Acme,2026-11-02T10:00:00Z\na-2,beta,2026-11-03T10:00:00Z\n",
        ),
        (
            "b.csv",
            "b-1,gamma,2026-11-04T10:00:00Z\nb-2,acme ,2026-11-09T10:00:00Z\n",
        ),
        (
            "c.csv",
            "c-1,ACME,2026-11-20T10:00:00Z\nc-2,beta,2026-12-30T10:00:00Z\n",
        ),
    ];
    for (name, rows) in files {
        std::fs::write(dir.path().join(name), format!("{header}{rows}")).unwrap();
    }
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nrules:\n  repeat-tenant: {severity: error, threshold: 3, within: 30d}\n",
    )
    .unwrap();
    let paths: Vec<String> = ["a.csv", "b.csv", "c.csv"]
        .iter()
        .map(|n| dir.path().join(n).to_str().unwrap().to_string())
        .collect();
    let mut args = vec!["--policy", policy.to_str().unwrap()];
    args.extend(paths.iter().map(String::as_str));
    let (_, report) = json(&args);
    let repeats: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "repeat-tenant")
        .collect();
    assert_eq!(repeats.len(), 1, "{report:#}");
    assert_eq!(repeats[0]["grant"], "a-1");
    assert_eq!(repeats[0]["file"], paths[0].as_str());
    assert_eq!(
        (repeats[0]["line"].as_u64(), repeats[0]["column"].as_u64()),
        (Some(2), Some(5))
    );
    assert_eq!(repeats[0]["related"], serde_json::json!(["b-2", "c-1"]));
    assert_eq!(
        repeats[0]["message"],
        "tenant `Acme` needed access 3 times within 30d (threshold 3)"
    );
}

#[test]
fn an_unparseable_file_is_located_and_the_others_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "- id: a\n  tenant: [unclosed\n- id: b\n").unwrap();
    let broken = broken.to_str().unwrap();
    let (code, report) = json(&[broken, "fixtures/samples/grants.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(report["summary"]["passed"], false);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["file"] == "fixtures/samples/grants.yaml")
    );
    assert!(!report["findings"].as_array().unwrap().is_empty());
    assert_eq!(report["errors"][0]["file"], broken);
    assert!(report["errors"][0]["line"].as_u64().is_some());

    let out = grantlint(&["check", "--color", "never", broken]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("{broken}:")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn stdin_needs_a_format_and_is_read() {
    let csv = "id,tenant,grantee,approver,reason,start,expires\nS-1,acme,Ann Lee,Ann Lee,Need access,2026-11-23T10:00Z,2026-11-23T11:00Z\n";
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .args([
            "check",
            "--format",
            "json",
            "--input-format",
            "csv",
            "--now",
            NOW,
            "-",
        ])
        .write_stdin(csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            // No owner or ticket column: one finding each at the header, not one per grant.
            "column-missing",
            "column-missing",
            "self-approval",
            "reason-specific"
        ]
    );
    assert_eq!(report["findings"][0]["file"], "-");

    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .args(["check", "-"])
        .write_stdin(csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--input-format"));
}

#[test]
fn delimiter_option_reads_semicolon_csv() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("semi.csv");
    std::fs::write(&file, "id;tenant\nX-1;acme, beta\n").unwrap();
    let (_, report) = json(&["--delimiter", ";", file.to_str().unwrap()]);
    let tenant = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "tenant-specific")
        .unwrap();
    assert_eq!(
        tenant["message"],
        "tenant `acme, beta` names several tenants"
    );
    assert_eq!(
        (tenant["line"].as_u64(), tenant["column"].as_u64()),
        (Some(2), Some(5))
    );
}

#[test]
fn a_policy_file_sets_severities_and_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nextends: default\nrules:\n  window-max: {max: 8h}\n  owner-named: off\n  ticket-linked: info\n",
    )
    .unwrap();
    let (_, report) = json(&[
        "--policy",
        policy.to_str().unwrap(),
        "fixtures/samples/grants.yaml",
    ]);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"window-max"), "6h is within 8h");
    assert!(!rules.contains(&"owner-named"));
    assert_eq!(report["summary"]["by_severity"]["info"], 1);
    assert_eq!(report["policy"], policy.to_str().unwrap());
}

#[test]
fn policy_errors_point_at_the_line_and_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nrules:\n  windw-max: {max: 4h}\n  reason-specific: {min_word: 3}\n",
    )
    .unwrap();
    let out = grantlint(&[
        "check",
        "--color",
        "never",
        "--policy",
        policy.to_str().unwrap(),
        "fixtures",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    let name = policy.to_str().unwrap();
    assert!(
        err.contains(&format!("{name}:3:3: unknown rule `windw-max`")),
        "{err}"
    );
    assert!(err.contains("did you mean `window-max`?"), "{err}");
    assert!(
        err.contains(&format!(
            "{name}:4:21: unknown key `min_word` for rule reason-specific"
        )),
        "{err}"
    );
    assert!(err.contains("did you mean `min_words`?"), "{err}");
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let ansi = |out: &Output| stdout(out).contains('\u{1b}');
    let args = ["check", "--now", NOW, "fixtures/samples/grants.yaml"];
    assert!(ansi(&grantlint(
        &[&args[..], &["--color", "always"]].concat()
    )));
    assert!(!ansi(&grantlint(
        &[&args[..], &["--color", "never"]].concat()
    )));
    // Not a terminal: auto means no colour.
    assert!(!ansi(&grantlint(&args)));
}

#[test]
fn folders_are_searched_and_hidden_ones_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join("team")).unwrap();
    std::fs::copy(
        "fixtures/samples/grants.yaml",
        dir.path().join(".git/grants.yaml"),
    )
    .unwrap();
    std::fs::copy(
        "fixtures/samples/grants.yaml",
        dir.path().join("team/grants.yaml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("team/notes.txt"), "not an export").unwrap();
    let out = grantlint(&[
        "check",
        "--format",
        "json",
        "--verbose",
        "--now",
        NOW,
        dir.path().to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 1);
    assert!(stderr(&out).contains("skipping hidden"), "{}", stderr(&out));
    assert!(stderr(&out).contains("notes.txt"), "{}", stderr(&out));
}

#[test]
fn explain_prints_the_rule_documentation() {
    let out = grantlint(&["explain", "window-max"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for part in [
        "# window-max",
        "## What it checks",
        "## Why",
        "## Fails",
        "## Passes",
        "`max`",
        "max: 4h",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    let out = grantlint(&["explain", "windowmax"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean `window-max`?"));
}

#[test]
fn rules_lists_every_rule_with_its_severity() {
    let out = grantlint(&["rules"]);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), grantlint::rules::REGISTRY.len());
    assert!(
        text.lines()
            .any(|l| l.starts_with("ticket-linked") && l.contains("warning"))
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("window-max") && l.contains("error"))
    );
}

#[test]
fn output_writes_the_report_to_a_file_but_never_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("grants.yaml");
    std::fs::copy("fixtures/samples/grants.yaml", &input).unwrap();
    let report = dir.path().join("report.json");
    let input_arg = input.to_str().unwrap();
    let out = grantlint(&[
        "check",
        "--now",
        NOW,
        "--format",
        "json",
        "-o",
        report.to_str().unwrap(),
        input_arg,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(written["summary"]["grants"], 5);

    let before = std::fs::read(&input).unwrap();
    let out = grantlint(&["check", "--format", "json", "-o", input_arg, input_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("refusing to write a report over the input"));
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

fn grantlint_in(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// A scratch repository: a folder with `.git`, so the policy search stops there.
fn scratch_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

#[test]
fn the_nearest_policy_file_is_found_up_to_the_repository_root() {
    let repo = scratch_repo();
    let sub = repo.path().join("exports/2026");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/samples/grants.yaml"),
        sub.join("grants.yaml"),
    )
    .unwrap();
    let rule_count = |out: &Output, rule: &str| {
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .count()
    };
    let args = ["check", "--format", "json", "--now", NOW, "grants.yaml"];
    let before = grantlint_in(&sub, &args);
    assert!(rule_count(&before, "ticket-linked") > 0);
    std::fs::write(
        repo.path().join(".grantlint.yaml"),
        "version: 1\nrules:\n  ticket-linked: off\n",
    )
    .unwrap();
    let after = grantlint_in(&sub, &args);
    assert_eq!(rule_count(&after, "ticket-linked"), 0);
    let report: Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(report["policy"], "../../.grantlint.yaml");
    // --policy wins over the file found.
    std::fs::write(
        repo.path().join("strict.yaml"),
        "rules:\n  ticket-linked: error\n",
    )
    .unwrap();
    let mut given = args.to_vec();
    given.extend(["--policy", "../../strict.yaml"]);
    let out = grantlint_in(&sub, &given);
    assert_eq!(
        rule_count(&out, "ticket-linked"),
        rule_count(&before, "ticket-linked")
    );
}

#[test]
fn overrides_change_settings_for_matching_grants_only() {
    let repo = scratch_repo();
    std::fs::write(
        repo.path().join("grants.yaml"),
        "- {id: prod-admin, environment: prod, role: Tenant-Admin, tenant: acme, start: 2026-11-23T10:00:00Z, expires: 2026-11-23T12:00:00Z}\n\
         - {id: prod-read, environment: prod, role: reader, tenant: acme, start: 2026-11-23T10:00:00Z, expires: 2026-11-23T12:00:00Z}\n\
         - {id: test-long, environment: test, role: reader, tenant: acme-test, start: 2026-11-23T10:00:00Z, expires: 2026-11-23T17:00:00Z}\n",
    )
    .unwrap();
    std::fs::write(
        repo.path().join("grantlint.yaml"),
        "version: 1\noverrides:\n  - match: {environment: prod, role: \"/admin|owner/\"}\n    rules: {window-max: {max: 1h}}\n  - match: {tenant: \"*-test\"}\n    rules: {ticket-linked: off, window-max: {max: 8h}}\n",
    )
    .unwrap();
    let out = grantlint_in(
        repo.path(),
        &["check", "--format", "json", "--now", NOW, "grants.yaml"],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = |rule: &str| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["grant"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(hits("window-max"), ["prod-admin"]);
    assert_eq!(hits("ticket-linked"), ["prod-admin", "prod-read"]);
}

#[test]
fn policy_check_validates_without_inputs() {
    let repo = scratch_repo();
    let out = grantlint_in(repo.path(), &["policy", "check"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        format!(
            "default: valid ({n} of {n} rules on, 0 overrides)\n",
            n = grantlint::rules::REGISTRY.len()
        )
    );
    std::fs::write(
        repo.path().join("bad.yaml"),
        "version: 1\nrules:\n  window-max: {max: forever}\n  ticket-linkd: off\noverrides:\n  - match: {region: eu}\n    rules: {}\n",
    )
    .unwrap();
    let out = grantlint_in(repo.path(), &["policy", "check", "bad.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for part in [
        "the policy has 3 errors",
        "bad.yaml:3:21",
        "bad.yaml:4:3: unknown rule `ticket-linkd`",
        "did you mean `ticket-linked`?",
        "bad.yaml:6:13: an override cannot match on `region`",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
}

#[test]
fn policy_show_prints_where_each_value_comes_from() {
    let out = grantlint(&["policy", "show", "--policy", "fixtures/policies/team.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn init_writes_the_default_policy_and_never_overwrites_without_force() {
    let repo = scratch_repo();
    let out = grantlint_in(repo.path(), &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(repo.path().join("grantlint.yaml")).unwrap();
    assert!(written.contains("  # window-max: ") && written.contains("    max: 4h"));
    // The written file is found, valid, and means the default.
    let out = grantlint_in(repo.path(), &["policy", "check"]);
    assert_eq!(
        stdout(&out),
        format!(
            "grantlint.yaml: valid ({n} of {n} rules on, 0 overrides)\n",
            n = grantlint::rules::REGISTRY.len()
        )
    );

    std::fs::write(repo.path().join("grantlint.yaml"), "# ours\n").unwrap();
    let out = grantlint_in(repo.path(), &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists; pass --force"));
    assert_eq!(
        std::fs::read_to_string(repo.path().join("grantlint.yaml")).unwrap(),
        "# ours\n"
    );
    let out = grantlint_in(repo.path(), &["init", "--force"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(repo.path().join("grantlint.yaml")).unwrap(),
        written
    );
}

#[test]
fn explain_shows_every_rules_settings_and_defaults() {
    for rule in ["reason-specific", "repeat-tenant", "expiry-enforced"] {
        let text = stdout(&grantlint(&["explain", rule]));
        assert!(text.contains("## Default settings"), "{rule}");
        assert!(text.contains("## Settings"), "{rule}: {text}");
    }
    let text = stdout(&grantlint(&["explain", "repeat-tenant"]));
    assert!(text.contains("threshold: 3\n") && text.contains("within: 30d\n"));
}

#[test]
fn an_unreadable_value_is_field_format_alone_and_two_aliases_are_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("g.yaml");
    std::fs::write(
        &file,
        "- id: N-1\n  tenant: {name: acme}\n  grantee: Mina Chen\n  approver: Ravi Patel\n  Approved By: Mina Chen\n",
    )
    .unwrap();
    let (code, report) = json(&[file.to_str().unwrap()]);
    assert_eq!(code, 1);
    let about = |field: &str| -> Vec<(String, u64, u64)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["field"] == field)
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // Not also "no tenant named" at the grant: the tenant is there, just unreadable.
    assert_eq!(about("tenant"), [("field-format".to_string(), 2, 11)]);
    // Neither approver is taken: self-approval would hang on which one came first.
    assert_eq!(about("approver"), [("field-format".to_string(), 5, 16)]);
}

#[test]
fn an_unparseable_file_is_underlined_where_the_message_says() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yaml");
    std::fs::write(&file, "- id: a\n  tenant: t\n  reason: [unclosed\n").unwrap();
    let out = grantlint(&["check", "--color", "never", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let place = err
        .lines()
        .find_map(|l| l.split("broken.yaml:").nth(1))
        .and_then(|rest| rest.split(':').take(2).collect::<Vec<_>>().join(":").into())
        .unwrap_or_default();
    assert_ne!(place, "1:1", "{err}");
    // The snippet's header names the same place as the message.
    assert!(err.contains(&format!("broken.yaml:{place}]")), "{err}");
}

#[test]
fn a_large_export_is_checked_whole_and_in_order() {
    // Over 4 MB: cut into segments that every thread reads and checks. A row with text
    // after a closing quote stops the cutting; the rest is read in order.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    let mut csv = String::from("id,tenant,grantee,approver,owner,ticket,reason,start,expires\n");
    let rows = 40_000;
    for i in 0..rows {
        let reason = match i {
            30_000 => "\"Support\" issue.",
            _ if i % 3 == 0 => "\"Support issue.\"",
            _ => "Support issue.",
        };
        csv.push_str(&format!(
            "G-{i},tenant-{t},Mina Chen,Ravi Patel,Dana Lee,CS-{i},{reason},2026-11-23T10:00:00Z,2026-11-23T11:00:00Z{pad}\n",
            t = i % 997,
            pad = if i % 2 == 0 { "" } else { "  " },
        ));
    }
    assert!(csv.len() > 4 << 20, "{}", csv.len());
    std::fs::write(&file, csv).unwrap();
    let (code, report) = json(&[file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["grants"], rows);
    let lines: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "reason-specific")
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, (2..rows as u64 + 2).collect::<Vec<_>>());
    // The same report from one thread and from several.
    let with_threads = |threads: &str| {
        Command::cargo_bin("grantlint")
            .unwrap()
            .env("RAYON_NUM_THREADS", threads)
            .args(["check", "--format", "json", "--now", NOW])
            .arg(&file)
            .output()
            .unwrap()
            .stdout
    };
    let one = with_threads("1");
    assert_eq!(serde_json::from_slice::<Value>(&one).unwrap(), report);
    assert!(one == with_threads("3"), "differs with 3 threads");
}

#[test]
fn a_large_export_with_a_quoted_line_end_is_read_whole() {
    // Segments end at the last line end of a megabyte block, a guess. Here that line end is
    // in a quoted reason, so the guess is wrong: that segment and the ones after it are read
    // again, cut with care.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    let header = "id,tenant,grantee,approver,owner,ticket,reason,start,expires\n";
    let block_end = header.len() + (1 << 20);
    let row = |i: usize, reason: &str| {
        format!(
            "G-{i},tenant-{t},Mina Chen,Ravi Patel,Dana Lee,CS-{i},{reason},2026-11-23T10:00:00Z,2026-11-23T11:00:00Z\n",
            t = i % 997,
        )
    };
    let (rows, mut two_lines) = (40_000, None);
    let mut csv = String::from(header);
    for i in 0..rows {
        let plain = row(i, "Support issue.");
        if two_lines.is_none() && csv.len() + 2 * plain.len() > block_end {
            // Padded so that the quoted line end is the last one before the block's end.
            let reason = |pad| format!("\"Support issue, {}\nsecond line.\"", "x".repeat(pad));
            let line_end = row(i, &reason(0)).find('\n').unwrap();
            csv.push_str(&row(i, &reason(block_end - 20 - csv.len() - line_end)));
            let quoted = csv[..csv.len() - 1].rfind('\n').unwrap();
            assert!(
                quoted < block_end && csv.len() > block_end,
                "{quoted} {}",
                csv.len()
            );
            two_lines = Some(i);
            continue;
        }
        csv.push_str(&plain);
    }
    let two_lines = two_lines.unwrap();
    assert!(csv.len() > 4 << 20, "{}", csv.len());
    std::fs::write(&file, csv).unwrap();
    let (code, report) = json(&[file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["grants"], rows);
    // Every grant but the one with the longer reason, each on its own line, one further
    // down after the two-line reason.
    let got: Vec<(u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "reason-specific")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["grant"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(u64, String)> = (0..rows)
        .filter(|&i| i != two_lines)
        .map(|i| {
            (
                (i + 2 + usize::from(i > two_lines)) as u64,
                format!("G-{i}"),
            )
        })
        .collect();
    assert!(
        got == want,
        "{} findings, first {:?}",
        got.len(),
        got.first()
    );
    let one = Command::cargo_bin("grantlint")
        .unwrap()
        .env("RAYON_NUM_THREADS", "1")
        .args(["check", "--format", "json", "--now", NOW])
        .arg(&file)
        .output()
        .unwrap()
        .stdout;
    assert_eq!(serde_json::from_slice::<Value>(&one).unwrap(), report);
}
