//! The command-line checks that are not plain data. Most cases are in tests/cmd/ (run by
//! tests/cmd.rs); these stay in Rust because they
//! - loop over every rule's fixture and read the JSON report (one case per rule would be a
//!   file to add with every rule);
//! - compare with the registry (`rules`);
//! - chain commands on one folder and compare the files written (`init`: the policy it writes
//!   holds regexes, and trycmd compares written files with `\` read as `/`);
//! - generate 4 MB exports and compare thread counts (too big to commit);
//! - are the insta snapshots of the fixtures' text and JSON reports.

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
        // A rule off by default is turned on by its policy in fixtures/rules-on/.
        let on = dir.with_file_name("rules-on").join(format!("{rule}.yaml"));
        let (_, report) = match on.exists() {
            true => json(&["--policy", on.to_str().unwrap(), path.to_str().unwrap()]),
            false => json(&[path.to_str().unwrap()]),
        };
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

/// tests/cmd/rules.stdout pins the listing; this says it is the registry, rule for rule, so
/// a rule added to the registry but not listed (or the reverse) fails here too.
#[test]
fn rules_lists_every_registered_rule_in_order() {
    let out = grantlint(&["rules"]);
    let listed: Vec<String> = stdout(&out)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
        .collect();
    let registered: Vec<&str> = grantlint::rules::REGISTRY.iter().map(|r| r.id).collect();
    assert_eq!(listed, registered);
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
fn init_writes_the_default_policy_and_never_overwrites_without_force() {
    let repo = scratch_repo();
    let out = grantlint_in(repo.path(), &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(repo.path().join("grantlint.yaml")).unwrap();
    assert!(written.contains("  # window-max: ") && written.contains("    max: 4h"));
    // The written file is found, valid, and means the default: every registered rule on
    // but those off by default.
    let out = grantlint_in(repo.path(), &["policy", "check"]);
    let rules = grantlint::rules::REGISTRY.len();
    let on = grantlint::rules::REGISTRY.iter().filter(|r| !r.off).count();
    assert_eq!(
        stdout(&out),
        format!("grantlint.yaml: valid ({on} of {rules} rules on, 0 overrides)\n")
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
