//! CI adoption: the SARIF, JUnit, GitHub, GitLab and CSV reports, several reports in one run,
//! baselines, waivers, --min-severity against --fail-on, determinism, completions and man page.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, grantlint, stderr, stdout};

use std::collections::HashSet;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

const GRANTS: &str = "fixtures/ci/grants.yaml";

/// The JSON a run printed.
fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(out), stderr(out)))
}

/// `check --now NOW --color never` plus `args`.
fn check(args: &[&str]) -> Output {
    let mut all = vec!["check", "--now", NOW, "--color", "never"];
    all.extend_from_slice(args);
    grantlint(&all)
}

fn sarif_errors(instance: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // The vendored schema (serde-sarif's copy of OASIS sarif-schema-2.1.0) has a stray `]` in
    // `run.language`'s pattern, which the validator rightly rejects as a regex; the errata
    // pattern replaces it. No grantlint output has a `language`.
    let text = serde_json::to_string(&schema).unwrap().replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    schema_errors(&serde_json::from_str(&text).unwrap(), instance)
}

/// Errors of `instance` against `schema`, each with where it is.
fn schema_errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_is_valid_2_1_0_with_rules_locations_and_fingerprints() {
    let out = check(&["--format", "sarif", "fixtures/samples/", GRANTS]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let sarif = json(&out);
    assert_eq!(sarif_errors(&sarif), Vec::<String>::new());
    // The validator does reject a broken log, so the check above can fail.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert!(!sarif_errors(&broken).is_empty());

    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "grantlint");
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(
        rules.len(),
        grantlint::rules::findings().count(),
        "every rule and the waivers' own findings"
    );
    for rule in rules {
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## Why")
        );
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
    }
    let results = run["results"].as_array().unwrap();
    let report = json(&check(&["--format", "json", "fixtures/samples/", GRANTS]));
    assert_eq!(results.len(), report["findings"].as_array().unwrap().len());
    let window = results
        .iter()
        .find(|r| {
            r["ruleId"] == "window-max"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == GRANTS
        })
        .unwrap();
    let location = &window["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "fixtures/ci/grants.yaml"
    );
    assert_eq!(location["region"]["startLine"], 29);
    assert_eq!(location["region"]["startColumn"], 12);
    assert_eq!(window["level"], "error");
    let prints: HashSet<&str> = results
        .iter()
        .map(|r| r["partialFingerprints"]["grantlint/v1"].as_str().unwrap())
        .collect();
    assert_eq!(prints.len(), results.len(), "fingerprints are unique");
}

/// The same grants in another order, at other lines: the same fingerprints.
#[test]
fn sarif_fingerprints_survive_reordering() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(GRANTS).unwrap();
    let reordered = dir.path().join("grants.yaml");
    std::fs::write(&reordered, reorder(&text)).unwrap();
    let prints = |path: &str| -> Vec<(String, String, u64)> {
        let sarif = json(&check(&["--format", "sarif", path]));
        let mut prints: Vec<_> = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["grantlint/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect();
        prints.sort();
        prints
    };
    let before = prints(GRANTS);
    let after = prints(reordered.to_str().unwrap());
    let strip = |p: &[(String, String, u64)]| -> Vec<(String, String)> {
        p.iter().map(|(r, f, _)| (r.clone(), f.clone())).collect()
    };
    assert_eq!(strip(&before), strip(&after));
    assert_ne!(before, after, "the lines did move");
}

/// The grants of a YAML list in reverse order.
fn reorder(text: &str) -> String {
    let mut grants: Vec<String> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if line.starts_with("- ") {
            grants.push(String::new());
        }
        let last = grants.last_mut().unwrap();
        last.push_str(line);
        last.push('\n');
    }
    grants.reverse();
    format!("# reordered\n\n{}", grants.concat())
}

/// (suites, [(suite name, tests, failures, testcase names)]) from a JUnit document.
fn junit_counts(xml: &str) -> Vec<(String, usize, usize)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut suites: Vec<(String, usize, usize)> = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |name: &str| {
                    e.attributes()
                        .map(|a| a.unwrap())
                        .find(|a| a.key.into_inner() == name)
                        .map(|a| a.value.into_owned())
                };
                match e.name().into_inner() {
                    "testsuite" => suites.push((attr("name").unwrap(), 0, 0)),
                    "testcase" => suites.last_mut().unwrap().1 += 1,
                    "failure" => suites.last_mut().unwrap().2 += 1,
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    suites
}

#[test]
fn junit_has_a_suite_per_file_and_a_case_per_grant() {
    let out = check(&[
        "--format",
        "junit",
        GRANTS,
        "fixtures/samples/article-example.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let xml = stdout(&out);
    assert_eq!(
        junit_counts(&xml),
        vec![
            (GRANTS.to_string(), 3, 1),
            // A clean file still yields its passing test case.
            ("fixtures/samples/article-example.yaml".to_string(), 1, 0),
        ]
    );
    assert!(xml.contains(r#"<testsuites name="grantlint" tests="4" failures="1""#));
    // With --fail-on warning, the grant without a ticket fails too.
    let out = check(&["--format", "junit", "--fail-on", "warning", GRANTS]);
    assert_eq!(
        junit_counts(&stdout(&out)),
        vec![(GRANTS.to_string(), 3, 2)]
    );
}

#[test]
fn junit_counts_match_the_json_report_on_the_samples() {
    let xml = stdout(&check(&["--format", "junit", "fixtures/samples/"]));
    let report = json(&check(&["--format", "json", "fixtures/samples/"]));
    let suites = junit_counts(&xml);
    let cases: usize = suites.iter().map(|s| s.1).sum();
    assert_eq!(cases as u64, report["summary"]["grants"].as_u64().unwrap());
    assert!(suites.iter().map(|s| s.2).sum::<usize>() > 0);
}

#[test]
fn gitlab_code_quality_has_required_keys_and_unique_fingerprints() {
    let out = check(&["--format", "gitlab", "fixtures/samples/", GRANTS]);
    let issues = json(&out);
    let issues = issues.as_array().unwrap();
    assert!(!issues.is_empty());
    let mut prints = HashSet::new();
    for issue in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(
                issue[key].as_str().is_some_and(|v| !v.is_empty()),
                "{key} in {issue}"
            );
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap())
        );
        assert!(!issue["location"]["path"].as_str().unwrap().starts_with('/'));
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(prints.insert(issue["fingerprint"].as_str().unwrap().to_string()));
    }
}

#[test]
fn github_commands_annotate_lines() {
    let out = check(&["--format", "github", GRANTS]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains(
        "::error file=fixtures/ci/grants.yaml,line=29,endLine=29,col=12,endColumn=31,title=grantlint window-max (CI-2)::access window is 6h, above the 4h maximum%0Ahelp: "
    ), "{text}");
    assert!(text.contains("::warning file=fixtures/ci/grants.yaml,line=31,endLine=31,col=3,"));
}

#[test]
fn csv_has_one_row_per_finding_and_defuses_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("grants.csv");
    std::fs::write(
        &input,
        "id,tenant,reason,approver,grantee,start,expires,ticket,owner\n=HYPERLINK(\"http://x\"),t-1,@SUM(A1) need access,=1+1,Mina Chen,2026-11-23T08:00:00Z,2026-11-23T09:00:00Z,,\n",
    )
    .unwrap();
    let out = check(&["--format", "csv", input.to_str().unwrap()]);
    let report = json(&check(&["--format", "json", input.to_str().unwrap()]));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[4], "rule");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), report["findings"].as_array().unwrap().len());
    for row in &rows {
        assert_eq!(
            &row[5], "'=HYPERLINK(\"http://x\")",
            "the grant id is defused"
        );
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell}"
            );
        }
    }
}

#[test]
fn several_reports_in_one_run_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let run = |tag: &str| {
        let path = |format: &str| dir.path().join(format!("{tag}.{format}"));
        let targets: Vec<String> = ["json", "sarif", "junit", "gitlab", "csv", "github"]
            .iter()
            .map(|f| format!("{f}={}", path(f).display()))
            .collect();
        let mut args = vec![
            "fixtures/samples/",
            GRANTS,
            "--policy",
            "fixtures/ci/policy-waivers.yaml",
        ];
        for t in &targets {
            args.push("--report");
            args.push(t);
        }
        let out = check(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("waived"),
            "text still goes to standard output"
        );
        ["json", "sarif", "junit", "gitlab", "csv", "github"]
            .iter()
            .map(|f| std::fs::read(path(f)).unwrap())
            .collect::<Vec<_>>()
    };
    let first = run("a");
    let second = run("b");
    assert_eq!(first, second);
    assert!(first.iter().all(|bytes| !bytes.is_empty()));
    // The JSON file is the same document as --format json prints.
    let printed = check(&[
        "--format",
        "json",
        "fixtures/samples/",
        GRANTS,
        "--policy",
        "fixtures/ci/policy-waivers.yaml",
    ]);
    assert_eq!(printed.stdout, first[0]);
}

#[test]
fn a_report_path_that_is_an_input_is_refused() {
    let out = check(&[GRANTS, "--report", &format!("sarif={GRANTS}")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("refusing"), "{}", stderr(&out));
    let out = check(&[GRANTS, "--report", "pdf=x.pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown format `pdf`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn baseline_suppresses_known_findings_by_key_not_line() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    // Writing the baseline records the findings, and this run passes on them.
    let out = check(&["--format", "json", GRANTS, "--write-baseline", baseline]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(baseline).unwrap()).unwrap();
    assert_eq!(
        written["entries"],
        serde_json::json!([
            {"rule": "ticket-linked", "grant": "CI-3", "tenant": "initech-prod-eu", "field": "ticket"},
            {"rule": "window-max", "grant": "CI-2", "tenant": "globex-prod-us", "field": "expires"}
        ])
    );

    // A reordered export neither hides nor revives a finding.
    let reordered = dir.path().join("reordered.yaml");
    std::fs::write(
        &reordered,
        reorder(&std::fs::read_to_string(GRANTS).unwrap()),
    )
    .unwrap();
    let out = check(&[
        "--format",
        "json",
        reordered.to_str().unwrap(),
        "--baseline",
        baseline,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    assert_eq!(report["summary"]["baseline"]["new"], 0);
    assert_eq!(report["summary"]["baseline"]["baselined"], 2);
    assert_eq!(report["summary"]["baseline"]["resolved"], 0);
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["suppressed"].as_array().unwrap().len(), 2);
    assert_eq!(report["suppressed"][0]["by"], "baseline");

    // Fixing CI-2 resolves its entry, which is listed as stale; a new bad grant is new.
    let changed = std::fs::read_to_string(GRANTS)
        .unwrap()
        .replace("T14:00:00Z", "T09:00:00Z")
        .replace("id: CI-1\n  ticket: CS-1\n", "id: CI-1\n");
    let changed_path = dir.path().join("changed.yaml");
    std::fs::write(&changed_path, changed).unwrap();
    let out = check(&[
        "--format",
        "json",
        changed_path.to_str().unwrap(),
        "--baseline",
        baseline,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a new warning does not fail by default"
    );
    let report = json(&out);
    assert_eq!(report["summary"]["baseline"]["new"], 1);
    assert_eq!(report["summary"]["baseline"]["baselined"], 1);
    assert_eq!(report["summary"]["baseline"]["resolved"], 1);
    assert_eq!(
        report["summary"]["baseline"]["stale"],
        serde_json::json!([{"rule": "window-max", "grant": "CI-2", "tenant": "globex-prod-us", "field": "expires"}])
    );
    assert_eq!(report["findings"][0]["grant"], "CI-1");
    let text = stdout(&check(&[
        changed_path.to_str().unwrap(),
        "--baseline",
        baseline,
    ]));
    assert!(
        text.contains("baseline entry no longer matches: window-max, grant CI-2"),
        "{text}"
    );
    assert!(
        text.contains("baseline: 1 new, 1 baselined, 1 resolved"),
        "{text}"
    );
}

#[test]
fn a_broken_baseline_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    std::fs::write(
        &baseline,
        "{\"version\": 1, \"entries\": [{\"rul\": \"x\"}]}",
    )
    .unwrap();
    let out = check(&[GRANTS, "--baseline", baseline.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a grantlint baseline"),
        "{}",
        stderr(&out)
    );
    // An empty baseline is named at its first line and column, not at column 0.
    std::fs::write(&baseline, "").unwrap();
    let out = check(&[GRANTS, "--baseline", baseline.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("baseline.json:1:1: the baseline is empty"));
}

#[test]
fn waivers_in_the_policy_waive_expire_and_report_unused() {
    let policy = "fixtures/ci/policy-waivers.yaml";
    // Valid: CI-2's window and CI-3's missing ticket are waived; the self-approval waiver
    // matched nothing.
    let out = check(&["--format", "json", GRANTS, "--policy", policy]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["rule"], "waiver-unused");
    assert_eq!(findings[0]["severity"], "warning");
    assert_eq!(findings[0]["file"], policy);
    assert_eq!(
        (findings[0]["line"].as_u64(), findings[0]["column"].as_u64()),
        (Some(11), Some(7))
    );
    assert_eq!(report["summary"]["files"], 1);
    let waived = report["suppressed"].as_array().unwrap();
    assert_eq!(waived.len(), 2);
    assert_eq!(waived[0]["rule"], "window-max");
    assert_eq!(waived[0]["by"], "waiver");
    assert_eq!(waived[0]["approver"], "Ravi Patel");
    assert_eq!(waived[0]["expires"], "2026-12-15T00:00:00Z");
    let text = stdout(&check(&[GRANTS, "--policy", policy]));
    assert!(text.contains("error[window-max] access window is 6h, above the 4h maximum (waived by Ravi Patel until 2026-12-15 00:00 UTC"), "{text}");

    // Later, the tenant waiver has expired: it stops applying and is an error of its own.
    let out = grantlint(&[
        "check",
        "--format",
        "json",
        "--now",
        "2026-12-02T00:00:00Z",
        GRANTS,
        "--policy",
        policy,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["ticket-linked", "waiver-expired", "waiver-expired"]);
    let expired = &report["findings"][1];
    assert_eq!(expired["severity"], "error");
    let tenant = report["findings"][2]["message"].as_str().unwrap();
    assert!(tenant.contains("ticket-linked for tenant initech-* expired on 2026-11-30"));
    assert!(
        expired["message"]
            .as_str()
            .unwrap()
            .contains("self-approval for grant CI-* expired on 2026-12-01")
    );
    // SARIF still validates with the waiver findings and the suppressions.
    let sarif = json(&check(&["--format", "sarif", GRANTS, "--policy", policy]));
    assert_eq!(sarif_errors(&sarif), Vec::<String>::new());
    let suppressed = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"][0]["kind"] == "external")
        .count();
    assert_eq!(suppressed, 2);
}

#[test]
fn a_waiver_file_applies_the_same_format() {
    let out = check(&[
        "--format",
        "json",
        GRANTS,
        "--waivers",
        "fixtures/ci/waivers.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["suppressed"][0]["grant"], "CI-2");
    assert_eq!(report["findings"][0]["rule"], "ticket-linked");
}

#[test]
fn malformed_or_too_long_waivers_are_located_policy_errors() {
    let out = check(&[GRANTS, "--waivers", "fixtures/ci/waivers-malformed.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("waivers-malformed.yaml:4:13: `reason` of a waiver must be non-empty text"),
        "{err}"
    );
    assert!(
        err.contains("waivers-malformed.yaml:2:5: this waiver has no `approver`"),
        "{err}"
    );

    // An expiry further ahead than max_days (30 in this policy) is refused.
    let out = grantlint(&[
        "check",
        "--now",
        "2026-11-01T00:00:00Z",
        GRANTS,
        "--policy",
        "fixtures/ci/policy-waivers.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "policy-waivers.yaml:10:16: this waiver expires 2026-12-15, more than 30 days after now"
        ),
        "{err}"
    );

    // A waiver file may not raise its own limit.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.yaml");
    std::fs::write(&file, "waivers:\n  max_days: 900\n  entries: []\n").unwrap();
    let out = check(&[GRANTS, "--waivers", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`max_days` belongs in the policy"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn min_severity_shows_and_fail_on_fails_independently() {
    // Only the warning would fail; it is hidden, and still fails the run.
    let dir = tempfile::tempdir().unwrap();
    let only_warning = dir.path().join("g.yaml");
    let text = std::fs::read_to_string(GRANTS).unwrap();
    std::fs::write(&only_warning, text.replace("T14:00:00Z", "T09:00:00Z")).unwrap();
    let path = only_warning.to_str().unwrap();
    let out = check(&[
        "--format",
        "json",
        "--min-severity",
        "error",
        "--fail-on",
        "warning",
        path,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["summary"]["hidden"], 1);
    assert_eq!(report["summary"]["passed"], false);
    // Shown but not failing.
    let out = check(&[
        "--format",
        "json",
        "--min-severity",
        "info",
        "--fail-on",
        "error",
        path,
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = grantlint(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0));
        assert!(stdout(&out).contains("write-baseline"), "{shell}");
    }
    let out = grantlint(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let man = stdout(&out);
    assert!(
        man.starts_with(".ie") || man.contains(".TH grantlint"),
        "{man}"
    );
    assert_eq!(grantlint(&["completions", "tcsh"]).status.code(), Some(2));
}

/// `check --now NOW --color never ARGS` from `dir` (relative to the repository root), with
/// `env` set.
fn check_in(dir: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = assert_cmd::Command::cargo_bin("grantlint").unwrap();
    command
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(["check", "--now", NOW, "--color", "never"])
        .args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

/// Every format names files from the repository root, normalised, wherever the run starts:
/// from a subfolder (a monorepo's `working-directory:`), through `./` and `a/../b`.
#[test]
fn every_format_names_files_from_the_repository_root() {
    for format in ["text", "json", "sarif", "junit", "github", "gitlab", "csv"] {
        let from_root = check_in(
            "",
            &[],
            &["--format", format, "./fixtures/ci/../ci/grants.yaml"],
        );
        let from_sub = check_in(
            "fixtures/samples",
            &[],
            &["--format", format, "../ci/grants.yaml"],
        );
        assert_eq!(
            from_sub.status.code(),
            Some(1),
            "{format}: {}",
            stderr(&from_sub)
        );
        let (root, sub) = (stdout(&from_root), stdout(&from_sub));
        assert!(sub.contains(GRANTS), "{format}: {sub}");
        assert!(
            !sub.contains("./") && !sub.contains("../"),
            "{format}: {sub}"
        );
        assert_eq!(root, sub, "{format}: the same report from anywhere");
    }
    // `--root` names files from another folder.
    let json = json(&check_in(
        "",
        &[],
        &["--format", "json", "--root", "fixtures", GRANTS],
    ));
    assert_eq!(json["findings"][0]["file"], "ci/grants.yaml");
}

/// `grantlint report ARGS` (the weekly review) from `dir`, relative to the repository root.
fn review_in(dir: &str, args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .args(["report", "--now", NOW])
        .args(args)
        .output()
        .unwrap()
}

/// The review (Markdown, HTML, JSON and its CSV attachments) names files as `check` does:
/// from the repository root, normalised, the same from a subfolder; `--root` moves the root.
#[test]
fn the_review_names_files_from_the_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["markdown", "html", "json"] {
        let (at_root, at_sub) = (dir.path().join("root"), dir.path().join("sub"));
        let from_root = review_in(
            "",
            &[
                "--format",
                format,
                "--attachments",
                at_root.to_str().unwrap(),
                "./fixtures/ci/../ci/grants.yaml",
            ],
        );
        let from_sub = review_in(
            "fixtures/samples",
            &[
                "--format",
                format,
                "--attachments",
                at_sub.to_str().unwrap(),
                "../ci/grants.yaml",
            ],
        );
        assert_eq!(from_sub.status.code(), Some(0), "{}", stderr(&from_sub));
        let (root, sub) = (stdout(&from_root), stdout(&from_sub));
        assert!(sub.contains(GRANTS), "{format}: {sub}");
        assert!(!sub.contains("../ci/"), "{format}: {sub}");
        assert_eq!(root, sub, "{format}: the same review from anywhere");
        for name in ["findings.csv", "grants.csv"] {
            let (a, b) = (
                std::fs::read_to_string(at_root.join(name)).unwrap(),
                std::fs::read_to_string(at_sub.join(name)).unwrap(),
            );
            assert!(b.contains(GRANTS) && !b.contains("../"), "{name}: {b}");
            assert_eq!(a, b, "{name}");
        }
    }
    let review = json(&review_in(
        "",
        &["--format", "json", "--root", "fixtures", GRANTS],
    ));
    let text = review.to_string();
    assert!(text.contains("\"ci/grants.yaml"), "{text}");
    assert!(!text.contains(GRANTS), "{text}");
}

/// An unreadable input's diagnostic (message and snippet label) names its file from the
/// repository root too, in `check` and in the review, so stderr and the reports agree.
#[test]
fn input_diagnostics_name_files_from_the_repository_root() {
    for out in [
        check_in("fixtures/samples", &[], &["--format", "json", "../messy"]),
        review_in("fixtures/samples", &["--format", "json", "../messy"]),
    ] {
        let err = stderr(&out);
        assert!(
            err.contains("fixtures/messy/dates-dmy.yaml:2:1: ")
                && err.contains("╭─[fixtures/messy/dates-dmy.yaml:2:1]"),
            "{err}"
        );
        assert!(!err.contains("../messy"), "{err}");
    }
}

/// A file outside the root keeps its absolute path (there is nothing to be relative to);
/// SARIF writes it as an absolute `file://` URI, which code scanning accepts.
#[test]
fn a_file_outside_the_root_is_named_by_its_absolute_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let absolute = root.join(GRANTS).display().to_string();
    let args = ["--root", "fixtures/samples", GRANTS];
    let report = json(&check_in(
        "",
        &[],
        &[&["--format", "json"], &args[..]].concat(),
    ));
    assert_eq!(report["findings"][0]["file"], absolute.as_str());
    let sarif = json(&check_in(
        "",
        &[],
        &[&["--format", "sarif"], &args[..]].concat(),
    ));
    assert_eq!(sarif_errors(&sarif), Vec::<String>::new());
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        format!("file://{absolute}").as_str()
    );
    assert!(location["artifactLocation"].get("uriBaseId").is_none());
}

/// Standard input is named by `--stdin-filename`, whose extension also says its format.
#[test]
fn standard_input_is_named_by_stdin_filename() {
    let csv = std::fs::read("fixtures/samples/tickets.csv").unwrap();
    let out = assert_cmd::Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--now", NOW, "--format", "json"])
        .args(["--stdin-filename", "./exports/../exports/piped.csv", "-"])
        .write_stdin(csv)
        .output()
        .unwrap();
    let report = json(&out);
    assert!(report["summary"]["grants"].as_u64().unwrap() > 0);
    assert_eq!(report["findings"][0]["file"], "exports/piped.csv");
}

/// GitHub code scanning's documented rules ("SARIF support for code scanning", "SARIF results
/// exceed limit"), checked on a run with a custom rule and a policy that changes levels.
#[test]
fn sarif_meets_github_code_scanning_rules() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("grantlint.yaml");
    std::fs::write(
        &policy,
        "version: 1\nrules:\n  window-max: warning\n  owner-named: off\ncustom:\n  - id: ticket-format\n    severity: error\n    message: ticket must be an INC- reference\n    when: {present: ticket}\n    require: {field: ticket, matches: '^INC-\\d+$'}\n",
    )
    .unwrap();
    let policy = policy.display().to_string();
    let out = check(&[
        "--allow-outside-root",
        "--format",
        "sarif",
        "--category",
        "prod-exports",
        "--policy",
        &policy,
        "fixtures/samples/",
    ]);
    let sarif = json(&out);
    assert_eq!(sarif_errors(&sarif), Vec::<String>::new());
    let runs = sarif["runs"].as_array().unwrap();
    assert!(runs.len() <= 20, "runs per file");
    let run = &runs[0];
    assert_eq!(run["automationDetails"]["id"], "prod-exports/");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() <= 25_000);
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    for r in rules {
        let tags: Vec<&str> = r["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"security") && tags.len() <= 20, "{r}");
        let score: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score), "{r}");
        assert!(r["helpUri"].as_str().unwrap().starts_with("https://"));
        assert!(!r["help"]["text"].as_str().unwrap().contains("## "));
    }
    // The active policy's levels, not the default's; a rule it turns off is disabled.
    assert_eq!(
        rule("window-max")["defaultConfiguration"]["level"],
        "warning"
    );
    assert_eq!(rule("window-max")["properties"]["security-severity"], "5.0");
    assert_eq!(
        rule("owner-named")["defaultConfiguration"]["enabled"],
        false
    );
    assert_eq!(
        rule("ticket-format")["defaultConfiguration"]["level"],
        "error"
    );
    assert!(
        rule("ticket-format")["properties"]["tags"]
            .as_array()
            .unwrap()
            .contains(&Value::from("custom"))
    );
    let results = run["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "ticket-format"));
    assert!(results.len() <= 25_000);
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], r["ruleId"],
            "ruleIndex points at the rule"
        );
        assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
        let locations = r["locations"].as_array().unwrap();
        assert!(!locations.is_empty() && locations.len() <= 1000);
        let uri = locations[0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            !uri.contains(':') && !uri.starts_with('/') && !uri.starts_with(".."),
            "relative to the root: {uri}"
        );
        let region = &locations[0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["endLine"].as_u64() >= region["startLine"].as_u64());
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

/// Past `--max-results`, the most severe results are kept and a notification counts the rest;
/// an unreadable input is a failed execution with a notification naming it.
#[test]
fn sarif_caps_results_and_reports_unreadable_inputs() {
    let all = json(&check(&["--format", "sarif", "fixtures/messy"]));
    let every = all["runs"][0]["results"].as_array().unwrap().len();
    let invocation = &all["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    let report = json(&check(&["--format", "json", "fixtures/messy"]));
    let errors = report["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    assert_eq!(
        notes.len(),
        errors.len(),
        "one notification per unreadable file"
    );
    for (note, error) in notes.iter().zip(errors) {
        assert_eq!(note["level"], "error");
        assert_eq!(
            note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            error["file"]
        );
    }

    let capped = json(&check(&[
        "--format",
        "sarif",
        "--max-results",
        "5",
        "fixtures/messy",
    ]));
    assert_eq!(sarif_errors(&capped), Vec::<String>::new());
    let results = capped["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert!(every > 5 && results.iter().all(|r| r["level"] == "error"));
    let notes = capped["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let last = notes.last().unwrap();
    assert_eq!(last["level"], "warning");
    assert!(
        last["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{} of {every} results left out", every - 5)),
        "{last}"
    );
}

/// Annotations come most severe first (GitHub shows only the first few of a step), and the job
/// summary is appended to `$GITHUB_STEP_SUMMARY` with every value escaped.
#[test]
fn github_annotations_are_sorted_and_a_job_summary_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let summary_path = summary.display().to_string();
    let out = check_in(
        "",
        &[("GITHUB_STEP_SUMMARY", &summary_path)],
        &["--format", "github", "fixtures/samples/"],
    );
    assert_eq!(out.status.code(), Some(1));
    let rank = |line: &str| {
        ["::error ", "::warning ", "::notice "]
            .iter()
            .position(|p| line.starts_with(p))
    };
    let ranks: Vec<usize> = stdout(&out).lines().filter_map(rank).collect();
    assert!(ranks.contains(&1), "the samples have warnings");
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.starts_with("earlier step\n## grantlint: failed\n"),
        "{written}"
    );
    assert!(written.contains("| `window-max` | error |"), "{written}");
    assert!(written.contains("most severe findings"), "{written}");
    assert!(written.contains("; failed"), "the closing line: {written}");
    // A value from the data cannot make Markdown.
    let hostile = dir.path().join("hostile.yaml");
    std::fs::write(
        &hostile,
        "grants:\n  - id: \"<img src=x onerror=alert(1)> | [x](javascript:y)\"\n    grantee: a@b.c\n    tenant: t\n    role: viewer\n    reason: short\n    approver: Ravi Patel\n    start: 2026-11-18 08:00\n    expires: 2026-11-18 09:00\n",
    )
    .unwrap();
    std::fs::remove_file(&summary).unwrap();
    let hostile = hostile.display().to_string();
    check_in(
        "",
        &[("GITHUB_STEP_SUMMARY", &summary_path)],
        &[
            "--allow-outside-root",
            "--format",
            "sarif",
            "--report",
            &format!("github={}", dir.path().join("a.txt").display()),
            &hostile,
        ],
    );
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        !written.contains("<img") && !written.contains("](javascript"),
        "{written}"
    );
    assert!(
        written.contains("&lt;img src=x onerror=alert\\(1\\)&gt; \\| \\[x\\]"),
        "{written}"
    );
}

/// The Jenkins xUnit JUnit schema (tests/schemas/junit-10.xsd), read from the XSD itself: each
/// element's attributes, which are required, and the elements it may hold.
struct JunitSchema {
    elements: std::collections::HashMap<String, XsdElement>,
}

/// An element's attributes (name, required, of type SUREFIRE_TIME) and the elements it holds.
type XsdElement = (Vec<(String, bool, bool)>, HashSet<String>);

impl JunitSchema {
    fn load() -> JunitSchema {
        use quick_xml::events::Event;
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit-10.xsd"),
        )
        .unwrap();
        let mut reader = quick_xml::Reader::from_str(&text);
        let mut elements = std::collections::HashMap::new();
        let mut types: std::collections::HashMap<String, XsdElement> =
            std::collections::HashMap::new();
        // The top-level element or named type being read, and how deep inside it we are.
        let mut current: Option<(bool, String)> = None;
        let mut entry: XsdElement = Default::default();
        let mut depth = 0usize;
        loop {
            let event = reader.read_event().unwrap();
            let (start, empty) = match &event {
                Event::Start(e) => (Some(e.clone()), false),
                Event::Empty(e) => (Some(e.clone()), true),
                Event::End(_) => {
                    depth -= 1;
                    if depth == 1
                        && let Some((is_type, name)) = current.take()
                    {
                        let done = std::mem::take(&mut entry);
                        if is_type {
                            types.insert(name, done);
                        } else {
                            elements.insert(name, done);
                        }
                    }
                    (None, false)
                }
                Event::Eof => break,
                _ => (None, false),
            };
            let Some(e) = start else { continue };
            let attr = |key: &str| {
                e.attributes()
                    .map(|a| a.unwrap())
                    .find(|a| a.key.into_inner() == key)
                    .map(|a| a.value.into_owned())
            };
            let tag = e.name().into_inner().to_string();
            if depth == 1 {
                let named = attr("name").unwrap();
                if tag == "xs:element" {
                    let mut done = attr("type")
                        .and_then(|t| types.get(&t).cloned())
                        .unwrap_or_default();
                    if empty {
                        elements.insert(named, std::mem::take(&mut done));
                    } else {
                        entry = done;
                        current = Some((false, named));
                    }
                } else if tag == "xs:complexType" {
                    current = Some((true, named));
                }
            } else if current.is_some() {
                match tag.as_str() {
                    "xs:attribute" => entry.0.push((
                        attr("name").unwrap(),
                        attr("use").as_deref() == Some("required"),
                        attr("type").as_deref() == Some("SUREFIRE_TIME"),
                    )),
                    "xs:element" => {
                        entry
                            .1
                            .insert(attr("ref").or_else(|| attr("name")).unwrap());
                    }
                    _ => {}
                }
            }
            if !empty {
                depth += 1;
            }
        }
        JunitSchema { elements }
    }

    /// What in `xml` breaks the schema, or XML 1.0 itself.
    fn errors(&self, xml: &str) -> Vec<String> {
        use quick_xml::events::Event;
        let time = regex::Regex::new(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$").unwrap();
        let xml_char = |c: char| {
            matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
                || c >= '\u{10000}'
        };
        let mut errors: Vec<String> = xml
            .chars()
            .filter(|c| !xml_char(*c))
            .map(|c| format!("{c:?} is no XML 1.0 character"))
            .collect();
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut open: Vec<String> = Vec::new();
        loop {
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    errors.push(format!("not well-formed: {e}"));
                    break;
                }
            };
            let (e, empty) = match event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(_) => {
                    open.pop();
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            let tag = e.name().into_inner().to_string();
            let Some((attributes, _)) = self.elements.get(&tag) else {
                errors.push(format!("<{tag}> is not in the schema"));
                continue;
            };
            match open.last() {
                None if tag != "testsuites" => errors.push(format!("<{tag}> as the root")),
                Some(parent) if !self.elements[parent].1.contains(&tag) => {
                    errors.push(format!("<{tag}> inside <{parent}>"));
                }
                _ => {}
            }
            let given: Vec<(String, String)> = e
                .attributes()
                .map(|a| a.unwrap())
                .map(|a| {
                    (
                        a.key.into_inner().to_string(),
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned(),
                    )
                })
                .collect();
            for (key, value) in &given {
                match attributes.iter().find(|(name, ..)| name == key) {
                    None => errors.push(format!("<{tag} {key}> is not in the schema")),
                    Some((_, _, true)) if !time.is_match(value) => {
                        errors.push(format!("<{tag} {key}=\"{value}\"> is no SUREFIRE_TIME"));
                    }
                    _ => {}
                }
            }
            for (name, required, _) in attributes {
                if *required && !given.iter().any(|(key, _)| key == name) {
                    errors.push(format!("<{tag}> lacks {name}"));
                }
            }
            if !empty {
                open.push(tag);
            }
        }
        errors
    }
}

/// JUnit that every consumer parses: valid against the Jenkins xUnit schema on every shared
/// fixture, hostile characters replaced one for one, test names without line numbers.
#[test]
fn junit_is_valid_against_the_jenkins_xunit_schema() {
    let schema = JunitSchema::load();
    assert!(schema.elements.contains_key("testsuites") && schema.elements.len() > 10);
    // The checks can fail: the testsuites' `skipped` quick-junit used to write, a U+FFFF.
    assert!(!schema.errors(r#"<testsuites skipped="0"/>"#).is_empty());
    assert!(
        !schema
            .errors("<testsuites><testsuite name=\"a\" tests=\"1\" failures=\"0\" errors=\"0\"><testcase name=\"\u{FFFF}\"/></testsuite></testsuites>")
            .is_empty()
    );
    for inputs in [&["fixtures/samples/"][..], &["fixtures/messy"], &[GRANTS]] {
        let xml = stdout(&check(&[&["--format", "junit"], inputs].concat()));
        assert_eq!(schema.errors(&xml), Vec::<String>::new(), "{inputs:?}");
        assert!(
            !xml.contains("line "),
            "no line numbers in test names: {xml}"
        );
        assert!(xml.contains(r#"timestamp="2026-11-24T12:00:00"#), "{xml}");
    }
    let dir = tempfile::tempdir().unwrap();
    let hostile = dir.path().join("hostile.yaml");
    std::fs::write(
        &hostile,
        "grants:\n  - id: \"A\\eB\\uFFFEC\\x01D\\uFFFF\"\n    grantee: a@b.c\n    tenant: t\n    role: viewer\n    reason: \"short \\e[31mred\"\n    approver: Ravi Patel\n    start: 2026-11-18 08:00\n    expires: 2026-11-18 09:00\n",
    )
    .unwrap();
    let xml = stdout(&check(&[
        "--allow-outside-root",
        "--format",
        "junit",
        hostile.to_str().unwrap(),
    ]));
    assert_eq!(schema.errors(&xml), Vec::<String>::new());
    assert!(
        xml.contains("grant A\u{FFFD}B\u{FFFD}C\u{FFFD}D\u{FFFD}"),
        "{xml}"
    );
    assert!(
        xml.contains("\u{FFFD}[31mred"),
        "the escape takes nothing with it: {xml}"
    );
}

/// Code Quality grades by the policy's severity and the rule's risk, over GitLab's range.
#[test]
fn gitlab_code_quality_severities_span_the_range() {
    let issues = json(&check(&["--format", "gitlab", "fixtures/samples/"]));
    let report = json(&check(&["--format", "json", "fixtures/samples/"]));
    let issues = issues.as_array().unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(issues.len(), findings.len());
    let high = grantlint::rules::HIGH_RISK;
    for (issue, finding) in issues.iter().zip(findings) {
        let rule = finding["rule"].as_str().unwrap();
        let expected = match (finding["severity"].as_str().unwrap(), high.contains(&rule)) {
            ("error", true) => "blocker",
            ("error", false) => "critical",
            ("warning", true) => "major",
            ("warning", false) => "minor",
            _ => "info",
        };
        assert_eq!(issue["severity"], expected, "{issue}");
    }
    let seen: HashSet<&str> = issues
        .iter()
        .map(|i| i["severity"].as_str().unwrap())
        .collect();
    assert!(
        seen.contains("blocker") && seen.contains("critical"),
        "{seen:?}"
    );
}

/// Errors of `instance` against GitLab's own SAST report schema (security-report-schemas
/// 15.0.7, draft-07, vendored from GitLab's source; see tests/schemas/README.md).
fn gitlab_sast_errors(instance: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/schemas/gitlab-sast-report-format-15.0.7.json"),
        )
        .unwrap(),
    )
    .unwrap();
    schema_errors(&schema, instance)
}

/// `--format gitlab-sast` is valid against GitLab's schema on clean, waived, unreadable and
/// custom-rule runs, with names and solutions longer than the schema allows cut to fit.
#[test]
fn gitlab_sast_report_is_valid_against_gitlabs_schema() {
    for args in [
        &["fixtures/samples/", GRANTS][..],
        &["fixtures/messy"][..],
        &["--policy", "fixtures/ci/policy-waivers.yaml", GRANTS][..],
    ] {
        let mut all = vec!["--format", "gitlab-sast"];
        all.extend_from_slice(args);
        let report = json(&check(&all));
        assert_eq!(
            gitlab_sast_errors(&report),
            Vec::<String>::new(),
            "{args:?}"
        );
        assert_eq!(
            report["schema"],
            "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.0.7/dist/sast-report-format.json"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("grantlint.yaml");
    std::fs::write(
        &policy,
        format!(
            "version: 1\ncustom:\n  - id: ticket-format\n    severity: error\n    message: '{}'\n    help: '{}'\n    when: {{present: ticket}}\n    require: {{field: ticket, matches: '^INC-\\d+$'}}\n",
            "ticket must be an INC- reference ".repeat(10),
            "use the incident number ".repeat(400),
        ),
    )
    .unwrap();
    let policy = policy.display().to_string();
    let report = json(&check(&[
        "--allow-outside-root",
        "--format",
        "gitlab-sast",
        "--policy",
        &policy,
        "fixtures/samples/",
    ]));
    assert_eq!(gitlab_sast_errors(&report), Vec::<String>::new());
    let custom = report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["identifiers"][0]["value"] == "ticket-format")
        .expect("a ticket-format vulnerability");
    assert!(custom["name"].as_str().unwrap().ends_with('…'), "{custom}");
    assert!(
        custom["solution"].as_str().unwrap().ends_with('…'),
        "{custom}"
    );
    // The schema does reject what GitLab would: a lower-case severity, a vulnerability without
    // identifiers, a time with a zone.
    let mut broken = report.clone();
    broken["vulnerabilities"][0]["severity"] = "critical".into();
    broken["vulnerabilities"][1]["identifiers"] = Value::Array(vec![]);
    broken["scan"]["end_time"] = "2026-01-01T00:00:00Z".into();
    assert_eq!(
        gitlab_sast_errors(&broken).len(),
        3,
        "{:?}",
        gitlab_sast_errors(&broken)
    );
}

/// The GitLab security report (SAST), checked against GitLab's documented fields: the report's
/// `version`, `scan` and `vulnerabilities`; each vulnerability's id, severity among GitLab's,
/// location and identifiers.
#[test]
fn gitlab_sast_report_has_the_documented_fields() {
    let report = json(&check(&["--format", "gitlab-sast", "fixtures/samples/"]));
    assert_eq!(report["version"], "15.0.7");
    let scan = &report["scan"];
    for tool in ["analyzer", "scanner"] {
        for key in ["id", "name", "version"] {
            assert!(scan[tool][key].as_str().is_some_and(|v| !v.is_empty()));
        }
        assert_eq!(scan[tool]["vendor"]["name"], "grantlint");
    }
    assert_eq!(scan["type"], "sast");
    assert_eq!(scan["status"], "success");
    let time = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$").unwrap();
    assert!(time.is_match(scan["start_time"].as_str().unwrap()));
    assert!(time.is_match(scan["end_time"].as_str().unwrap()));
    let uuid = regex::Regex::new(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        .unwrap();
    let vulnerabilities = report["vulnerabilities"].as_array().unwrap();
    let findings = json(&check(&["--format", "json", "fixtures/samples/"]));
    assert_eq!(
        vulnerabilities.len(),
        findings["findings"].as_array().unwrap().len()
    );
    let mut ids = HashSet::new();
    for v in vulnerabilities {
        let id = v["id"].as_str().unwrap();
        assert!(uuid.is_match(id) && ids.insert(id.to_string()), "{v}");
        assert!(
            ["Critical", "High", "Medium", "Low", "Info", "Unknown"]
                .contains(&v["severity"].as_str().unwrap())
        );
        for key in ["name", "description", "solution"] {
            assert!(v[key].as_str().is_some_and(|s| !s.is_empty()), "{key}: {v}");
        }
        assert!(
            v["location"]["file"]
                .as_str()
                .unwrap()
                .starts_with("fixtures/samples/")
        );
        assert!(v["location"]["start_line"].as_u64().unwrap() >= 1);
        let identifier = &v["identifiers"][0];
        for key in ["type", "name", "value"] {
            assert!(identifier[key].as_str().is_some_and(|s| !s.is_empty()));
        }
    }
    // An unreadable input fails the scan, named in a fatal message.
    let messy = json(&check(&["--format", "gitlab-sast", "fixtures/messy"]));
    assert_eq!(messy["scan"]["status"], "failure");
    assert_eq!(messy["scan"]["messages"][0]["level"], "fatal");
}
