//! Hostile and broken input (issue 8): each case runs the binary under a timeout and must end
//! with a finding or a located error and the right exit code, never a panic (101) or a hang.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

const NOW: &str = "2026-11-24T12:00:00Z";
const FINDINGS: i32 = 1;
const CANNOT_RUN: i32 = 2;
/// A hang guard, not a speed measure (speed is measured in benches/): work that is bounded
/// finishes in seconds even on a loaded two-core machine; a regression to unbounded work
/// would take many minutes.
const HANG_GUARD: Duration = Duration::from_secs(120);

fn grantlint(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::cargo_bin("grantlint").unwrap();
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .timeout(HANG_GUARD)
        .arg("check")
        .args(["--now", NOW, "--color", "never"])
        .args(args);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes.to_vec());
    }
    let out = cmd.output().unwrap();
    let code = out.status.code();
    assert!(
        code.is_some_and(|c| c != 101),
        "panicked or was killed ({code:?}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `grantlint check` with its data (heap and anonymous maps) limited to `mib` MiB, as a
/// shell's `ulimit -d` sets it (a run that needs more fails to allocate and aborts), and its
/// time to a minute.
fn bounded(dir: &Path, mib: u64, args: &[&str]) -> Output {
    let bin = assert_cmd::cargo::cargo_bin("grantlint");
    let script = format!("ulimit -d {} && exec timeout 60 \"$0\" \"$@\"", mib * 1024);
    let out = std::process::Command::new("sh")
        .current_dir(dir)
        // Each thread's stack counts: as many threads as a CI runner has, whatever this has.
        .env("RAYON_NUM_THREADS", "2")
        .args(["-c", &script])
        .arg(bin)
        .args(["check", "--now", NOW, "--color", "never"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(
        code.is_some_and(|c| c != 101 && c != 124 && c < 128),
        "panicked, ran out of memory, took over a minute or was killed ({code:?}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// A temp folder holding one file.
fn with_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// Runs one file and expects an input error at `line:column` that names `needle`.
fn expect_located_error(name: &str, bytes: &[u8], at: &str, needle: &str) -> String {
    let (dir, _) = with_file(name, bytes);
    let started = Instant::now();
    let out = grantlint(dir.path(), &[name], None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(err.contains(&format!("{name}:{at}")), "not at {at}: {err}");
    assert!(err.contains(needle), "no `{needle}` in: {err}");
    assert!(started.elapsed() < HANG_GUARD, "{:?}", started.elapsed());
    err
}

/// The field-format findings of a JSON report, as (line, column, field, message).
fn field_format(report: &Value) -> Vec<(u64, u64, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "field-format")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["field"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn an_alias_bomb_stops_at_the_node_budget() {
    let mut text = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    text.push_str("grants: [*i]\n");
    let err = expect_located_error("bomb.yaml", text.as_bytes(), "", "--max-yaml-nodes");
    assert!(err.contains("YAML nodes, the limit"), "{err}");
}

#[test]
fn nesting_100_000_deep_stops_at_the_depth_limit() {
    let flow = "[".repeat(100_000);
    expect_located_error("flow.yaml", flow.as_bytes(), "1:65", "--max-yaml-depth");
    let block = format!("{}x\n", "- ".repeat(100_000));
    expect_located_error("block.yaml", block.as_bytes(), "1:129", "--max-yaml-depth");
    let json = "{\"grants\":".repeat(100_000);
    expect_located_error("deep.json", json.as_bytes(), "1:", "--max-yaml-depth");
}

#[test]
fn a_200_mb_value_is_a_field_format_finding_and_fast() {
    for (name, head) in [
        ("big.yaml", "- id: big\n  tenant: t-1\n  reason: "),
        ("big.csv", "id,tenant,reason\nbig,t-1,"),
    ] {
        let mut bytes = head.as_bytes().to_vec();
        bytes.resize(bytes.len() + 200_000_000, b'x');
        bytes.push(b'\n');
        let (dir, _) = with_file(name, &bytes);
        drop(bytes);
        let started = Instant::now();
        let out = grantlint(dir.path(), &["--format", "json", name], None);
        assert_eq!(out.status.code(), Some(FINDINGS), "{}", stderr(&out));
        let problems = field_format(&json(&out));
        let column = if name.ends_with("csv") { 9 } else { 11 };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            (problems[0].0, problems[0].1),
            (if column == 9 { 2 } else { 3 }, column)
        );
        assert_eq!(problems[0].2, "reason");
        assert!(
            problems[0]
                .3
                .contains("190.7 MiB long, above the 64 KiB limit"),
            "{}",
            problems[0].3
        );
        // The report holds no copy of the value.
        assert!(out.stdout.len() < 20_000);
        assert!(
            started.elapsed() < HANG_GUARD,
            "{name}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn the_value_limit_is_a_flag() {
    let reason = "y".repeat(70_000);
    let text = format!("- id: a\n  reason: {reason}\n");
    let (dir, _) = with_file("long.yaml", text.as_bytes());
    let out = grantlint(dir.path(), &["--format", "json", "long.yaml"], None);
    let report = json(&out);
    assert_eq!(field_format(&report).len(), 1);
    let helps = report["findings"].as_array().unwrap().iter();
    assert!(
        helps
            .filter_map(|f| f["help"].as_str())
            .any(|h| h.contains("--max-value-size"))
    );
    let out = grantlint(
        dir.path(),
        &[
            "--format",
            "json",
            "--max-value-size",
            "128KiB",
            "long.yaml",
        ],
        None,
    );
    assert!(field_format(&json(&out)).is_empty());
}

#[test]
fn a_file_above_the_size_limit_is_refused_at_once() {
    let (dir, _) = with_file(
        "grants.yaml",
        b"- id: a\n  reason: this export is bigger than allowed\n",
    );
    let started = Instant::now();
    let out = grantlint(dir.path(), &["--max-file-size", "16", "grants.yaml"], None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(
        err.contains("grants.yaml: the file is 53 bytes, above the 16 bytes limit"),
        "{err}"
    );
    assert!(err.contains("--max-file-size"), "{err}");
    assert!(started.elapsed() < HANG_GUARD);
    // The same limit holds for standard input, which has no size up front.
    let out = grantlint(
        dir.path(),
        &["--max-file-size", "16", "--input-format", "csv", "-"],
        Some(b"id,tenant\n1,acme\n2,beta\n"),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(
        err.contains("-: the file is 17 bytes, above the 16 bytes limit"),
        "{err}"
    );
    let out = grantlint(
        dir.path(),
        &["--max-file-size", "1GiB", "grants.yaml"],
        None,
    );
    assert_eq!(out.status.code(), Some(FINDINGS), "{}", stderr(&out));
    let out = grantlint(
        dir.path(),
        &["--max-file-size", "lots", "grants.yaml"],
        None,
    );
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
}

#[test]
fn invalid_utf8_is_located() {
    expect_located_error(
        "bad.yaml",
        b"- id: a\n  reason: caf\xe9 au lait\n",
        "2:14",
        "not valid UTF-8",
    );
    // In a CSV cell it is that cell's finding; the other rows are still checked.
    let (dir, _) = with_file("bad.csv", b"id,tenant,reason\n1,t\xff,ok\n2,t-2,fine\n");
    let out = grantlint(dir.path(), &["--format", "json", "bad.csv"], None);
    assert_eq!(out.status.code(), Some(FINDINGS));
    let report = json(&out);
    assert_eq!(
        field_format(&report),
        vec![(2, 3, "tenant".into(), "tenant is not valid UTF-8".into())]
    );
    assert_eq!(report["summary"]["grants"], 2);
}

#[test]
fn nul_bytes_are_located_errors_or_findings() {
    expect_located_error("nul.yaml", b"- id: a\n  reason: x\0y\n", "2:", "");
    let (dir, _) = with_file("nul.csv", b"id,tenant,approver\n1,t-1,Ravi\0Patel\n");
    let out = grantlint(dir.path(), &["nul.csv"], None);
    assert_eq!(out.status.code(), Some(FINDINGS));
    assert!(!out.stdout.contains(&0), "a NUL reached the terminal");
}

#[test]
fn ragged_csv_rows_are_findings_at_the_row() {
    let (dir, _) = with_file("ragged.csv", b"id,tenant\n1\n2,b,extra\n3,c\n");
    let out = grantlint(dir.path(), &["--format", "json", "ragged.csv"], None);
    assert_eq!(out.status.code(), Some(FINDINGS));
    let got: Vec<(u64, u64)> = field_format(&json(&out))
        .iter()
        .map(|p| (p.0, p.1))
        .collect();
    assert_eq!(got, vec![(2, 1), (3, 5)]);
}

#[test]
fn duplicate_csv_headers_and_yaml_keys_are_located_errors() {
    expect_located_error(
        "dup.csv",
        b"id,tenant,Tenant ID\n1,a,b\n",
        "1:11",
        "columns 2 (`tenant`) and 3 (`Tenant ID`) both hold tenant",
    );
    expect_located_error(
        "dup.yaml",
        b"- id: a\n  tenant: t-1\n  tenant: t-2\n",
        "3:3",
        "the key `tenant` appears twice",
    );
}

#[test]
fn empty_files_and_a_header_only_csv_hold_no_grants() {
    for (name, bytes) in [
        ("empty.yaml", &b""[..]),
        ("empty.json", b""),
        ("empty.csv", b""),
        ("header.csv", b"id,tenant,reason\n"),
        ("bom.csv", b"\xEF\xBB\xBF"),
    ] {
        let (dir, _) = with_file(name, bytes);
        let out = grantlint(dir.path(), &[name], None);
        // Nothing checked is never a pass.
        assert_eq!(
            out.status.code(),
            Some(CANNOT_RUN),
            "{name}: {}",
            stderr(&out)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 file, 0 grants"),
            "{name}"
        );
        assert!(
            stderr(&out).contains("nothing was checked: no grant was read from its one file"),
            "{name}: {}",
            stderr(&out)
        );
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_an_error_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let exports = dir.path().join("exports");
    std::fs::create_dir_all(exports.join("team")).unwrap();
    std::os::unix::fs::symlink("..", exports.join("team/up")).unwrap();
    std::fs::write(exports.join("team/grants.yaml"), "- id: a\n").unwrap();
    let out = grantlint(dir.path(), &["exports"], None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(
        err.contains("exports/team/up: a symbolic link loops back"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 grant"));
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_error_and_the_rest_is_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.yaml"), "- id: a\n").unwrap();
    // A dangling link cannot be read by anyone, root included.
    std::os::unix::fs::symlink("nowhere.yaml", dir.path().join("gone.yaml")).unwrap();
    let out = grantlint(dir.path(), &["gone.yaml", "ok.yaml"], None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(
        err.contains("gone.yaml: a link to nowhere.yaml, which does not exist"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 grant"));

    let locked = dir.path().join("locked.yaml");
    std::fs::write(&locked, "- id: a\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        eprintln!("running as root: mode 000 does not stop reads; the dangling link stood in");
        return;
    }
    let out = grantlint(dir.path(), &["locked.yaml", "ok.yaml"], None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(
        err.contains("locked.yaml: cannot read: permission denied"),
        "{err}"
    );
}

#[test]
fn stdin_closed_early_is_located_or_empty() {
    let dir = tempfile::tempdir().unwrap();
    let out = grantlint(
        dir.path(),
        &["--input-format", "yaml", "-"],
        Some(b"- id: a\n  tenant: [t-1, t-"),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(err.contains("-:2:"), "{err}");
    // A CSV cut inside a quoted cell: the last row is read as far as it goes.
    let out = grantlint(
        dir.path(),
        &["--input-format", "csv", "--format", "json", "-"],
        Some(b"id,tenant,reason\n1,t-1,\"cut off"),
    );
    assert_eq!(out.status.code(), Some(FINDINGS), "{}", stderr(&out));
    assert_eq!(json(&out)["summary"]["grants"], 1);
    // Nothing at all on standard input.
    let out = grantlint(dir.path(), &["--input-format", "json", "-"], Some(b""));
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was checked"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_file_that_vanishes_during_the_run_is_an_error_and_the_rest_is_checked() {
    use grantlint::load::ReadOptions;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), "- id: a\n  tenant: t-1\n").unwrap();
    std::fs::write(dir.path().join("b.yaml"), "- id: b\n  tenant: t-2\n").unwrap();
    let options = ReadOptions::default();
    let (inputs, errors) = grantlint::discover::discover(&[dir.path().to_path_buf()], &options);
    assert!(errors.is_empty());
    assert_eq!(inputs.len(), 2);
    std::fs::remove_file(dir.path().join("a.yaml")).unwrap();
    let policy = grantlint::policy::Policy::load(None).unwrap();
    let now = chrono::Utc::now();
    let outcome = grantlint::check::check(&inputs, &options, &policy, now);
    assert_eq!(outcome.grants, 1);
    assert_eq!(outcome.errors.len(), 1);
    let e = outcome.errors[0].to_string();
    assert!(e.ends_with("a.yaml: no such file or folder"), "{e}");
}

/// Found by the property tests: a document that is one scalar had no line and column.
#[test]
fn a_document_of_one_scalar_is_located() {
    expect_located_error(
        "note.yaml",
        "# exported by hand\n  ꡀ just a note\n".as_bytes(),
        "2:3",
        "expected a list of grants",
    );
}

#[test]
fn a_hostile_policy_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("grants.yaml"), "- id: a\n").unwrap();
    let deep = format!("version: 1\nrules: {}\n", "[".repeat(100_000));
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    for (name, text) in [
        ("deep.yaml", deep.as_str()),
        ("bomb.yaml", bomb),
        ("nul.yaml", "rules:\0\n"),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let out = grantlint(dir.path(), &["--policy", name, "grants.yaml"], None);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(CANNOT_RUN), "{name}: {err}");
        assert!(err.contains(&format!("{name}:")), "{name}: {err}");
        assert!(err.matches(':').count() >= 3, "{name} not located: {err}");
    }
}

#[test]
fn many_or_huge_regex_patterns_are_refused_before_they_are_compiled() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("grants.yaml"), "- id: a\n").unwrap();
    // 2,000 rules of a pattern that compiles to a few megabytes each took 1.5 GB and more.
    let mut many = String::from("version: 1\ncustom:\n");
    for i in 0..2000 {
        many.push_str(&format!(
            "  - {{id: r{i}, message: m, require: {{field: reason, matches: '\\w{{50}}'}}}}\n"
        ));
    }
    let huge = "version: 1\ncustom:\n  - {id: r, message: m, require: {field: reason, matches: '\\w{5000}'}}\n";
    for (name, text, at, needle) in [
        (
            "many.yaml",
            many.as_str(),
            "many.yaml:259:",
            "at most 256 regular expressions",
        ),
        (
            "huge.yaml",
            huge,
            "huge.yaml:3:",
            "the limit for one pattern",
        ),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let started = Instant::now();
        let out = bounded(dir.path(), 256, &["--policy", name, "grants.yaml"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(CANNOT_RUN), "{name}: {err}");
        assert!(err.contains(at) && err.contains(needle), "{name}: {err}");
        assert!(started.elapsed() < HANG_GUARD, "{name}");
    }
}

#[test]
fn a_rules_own_patterns_are_counted_and_bounded_before_they_are_compiled() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("grants.yaml"), "- id: a\n").unwrap();
    // A rule's `patterns` setting (owner-named's team patterns here) went uncounted: 2,000
    // patterns, or a few that each compile to megabytes, were all compiled.
    let mut many = String::from("version: 1\nrules:\n  owner-named:\n    patterns:\n");
    for i in 0..2000 {
        many.push_str(&format!("      - 'team{i}\\w{{20}}'\n"));
    }
    let huge =
        "version: 1\nrules:\n  owner-named:\n    patterns: ['\\w{800}', '\\w{900}', '\\w{1000}']\n";
    for (name, text, at, needle) in [
        // The first pattern past the limit: the 257th item, on line 4 + 257.
        (
            "many.yaml",
            many.as_str(),
            "many.yaml:261:",
            "at most 256 regular expressions",
        ),
        (
            "huge.yaml",
            huge,
            "huge.yaml:4:",
            "the limit for one setting",
        ),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let started = Instant::now();
        let out = bounded(dir.path(), 256, &["--policy", name, "grants.yaml"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(CANNOT_RUN), "{name}: {err}");
        assert!(err.contains(at) && err.contains(needle), "{name}: {err}");
        assert!(err.contains("`patterns` of owner-named"), "{name}: {err}");
        assert!(started.elapsed() < HANG_GUARD, "{name}");
    }
}

#[test]
fn a_baseline_above_the_policy_file_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("grants.yaml"), "- id: a\n").unwrap();
    // 100 MB, sparse: nothing is written, and nothing must be read.
    let big = std::fs::File::create(dir.path().join("baseline.json")).unwrap();
    big.set_len(100 << 20).unwrap();
    let started = Instant::now();
    let out = bounded(
        dir.path(),
        256,
        &["--baseline", "baseline.json", "grants.yaml"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(err.contains("baseline.json"), "{err}");
    assert!(err.contains("100.0 MiB, above the 64.0 MiB limit"), "{err}");
    assert!(err.contains("--max-policy-file-size"), "{err}");
    assert!(started.elapsed() < HANG_GUARD);
    // Raised, the file is read, and its content is what is wrong.
    let out = bounded(
        dir.path(),
        1024,
        &[
            "--max-policy-file-size",
            "128MiB",
            "--baseline",
            "baseline.json",
            "grants.yaml",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(!err.contains("limit for a policy-side file"), "{err}");
}

#[test]
fn a_big_csv_is_checked_in_memory_that_does_not_grow_with_its_rows() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    // 60,000 rows of 1.1 KiB: 67 MiB, more than the run may hold. A column grantlint does not
    // know is skipped unread, and clean rows leave only what repeat-tenant keeps.
    let mut csv =
        std::io::BufWriter::new(std::fs::File::create(dir.path().join("big.csv")).unwrap());
    writeln!(csv, "id,tenant,grantee,approver,approved_at,start,expires,ended_at,reason,ticket,owner,status,role,account_type,environment,scope,notes").unwrap();
    let notes = "n".repeat(900);
    for i in 0..60_000 {
        writeln!(
            csv,
            "SUP-{i},tenant-{i},Mina Chen,Ravi Patel,2026-11-02T09:55:00Z,2026-11-02T10:00:00Z,2026-11-02T11:00:00Z,2026-11-02T10:30:00Z,Restart stuck invoice sync and confirm totals,CS-{i},Dana Lee,expired,read-only,personal,prod,read logs,{notes}"
        )
        .unwrap();
    }
    // One grant no one approved, on line 60,003, between two short lines (a snippet would
    // show them).
    for approver in ["Ravi Patel", "", "Ravi Patel"] {
        writeln!(
            csv,
            "SUP-x,tenant-x,Mina Chen,{approver},,2026-11-02T10:00:00Z,2026-11-02T11:00:00Z,,Restart stuck invoice sync and confirm totals,CS-x,Dana Lee,expired,read-only,personal,prod,read logs,"
        )
        .unwrap();
    }
    csv.into_inner().unwrap().sync_all().unwrap();
    let out = bounded(dir.path(), 48, &["--format", "json", "big.csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(json(&out)["summary"]["grants"], 60_003);
    // The text report does not read a file of more than 64 MiB again for its snippets: the
    // finding is named by its line alone.
    let out = grantlint(dir.path(), &["big.csv"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        text.contains("big.csv:60003:1: error[approver-named]"),
        "{text}"
    );
    assert!(!text.contains("╭─"), "{text}");
}

#[test]
fn a_line_of_a_million_cells_is_refused_where_it_starts_and_a_long_line_is_not_held() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    // A header of a million cells: each header cell is kept. Before, this filled memory.
    std::fs::write(dir.path().join("commas.csv"), ",".repeat(1 << 20)).unwrap();
    let started = Instant::now();
    let out = bounded(dir.path(), 96, &["commas.csv"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(
        err.contains("commas.csv:1:1: this record has more than 10000 cells"),
        "{err}"
    );
    assert!(started.elapsed() < HANG_GUARD);
    // One line of 100 MB without a delimiter: refused once its first cell passes the value
    // limit, not read to its end.
    std::fs::write(dir.path().join("line.csv"), "x".repeat(100 << 20)).unwrap();
    let out = bounded(dir.path(), 96, &["line.csv"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(
        err.contains("line.csv:1:1: the header has a cell longer than 64 KiB"),
        "{err}"
    );
    // An unclosed quote makes the rest of the file one 40 MB value: a finding where it
    // starts, whose snippet in the text report does not echo the value.
    let mut quote = std::fs::File::create(dir.path().join("quote.csv")).unwrap();
    writeln!(
        quote,
        "id,tenant,reason\nSUP-1,acme,fine\nSUP-2,acme,\"never closed"
    )
    .unwrap();
    let row = "SUP-3,acme,more text\n".repeat(1 << 16);
    for _ in 0..30 {
        quote.write_all(row.as_bytes()).unwrap();
    }
    let out = bounded(dir.path(), 192, &["quote.csv"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(FINDINGS), "{}", stderr(&out));
    assert!(
        shown.contains("quote.csv:3:12: error[field-format]"),
        "{shown}"
    );
    assert!(shown.len() < 20_000, "{} bytes of report", shown.len());
}

#[test]
fn the_alias_limit_is_a_flag_and_reuse_of_one_anchor_is_fine() {
    let mut text = String::from("x: &t t-1\ngrants:\n");
    for i in 0..300 {
        text.push_str(&format!("  - {{id: g{i}, tenant: *t}}\n"));
    }
    let (dir, _) = with_file("aliases.yaml", text.as_bytes());
    let out = grantlint(dir.path(), &["--format", "json", "aliases.yaml"], None);
    assert_eq!(out.status.code(), Some(FINDINGS), "{}", stderr(&out));
    assert_eq!(json(&out)["summary"]["grants"], 300);
    let out = grantlint(
        dir.path(),
        &["--max-yaml-aliases", "100", "aliases.yaml"],
        None,
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(
        err.contains("aliases.yaml:103:24: the file uses more than 100 YAML aliases"),
        "{err}"
    );
    assert!(err.contains("--max-yaml-aliases"), "{err}");
}

#[test]
fn a_runaway_line_is_named_not_printed() {
    let text = format!(
        "id,tenant,reason\n1,t-1,{}\n2,t-2,short\n3,t-3,short\n4,t-4,short\n",
        "x".repeat(70_000)
    );
    let (dir, _) = with_file("long.csv", text.as_bytes());
    let out = grantlint(dir.path(), &["long.csv"], None);
    assert_eq!(out.status.code(), Some(FINDINGS));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("long.csv:2:7: error[field-format]"),
        "{shown}"
    );
    assert!(
        shown.contains("70000 bytes") || shown.contains("68.4 KiB long"),
        "{shown}"
    );
    assert!(out.stdout.len() < 20_000, "the long line was printed");
    // Findings on lines far from it keep their snippets.
    assert!(shown.contains("╭─[long.csv:5:"), "{shown}");
}

#[test]
fn utf16_exports_and_nul_streams_are_refused_naming_what_they_are() {
    let csv = "id,grantee,approver\nSUP-1,ana@example.com,Ravi Patel\n";
    let mut excel = vec![0xFF, 0xFE];
    excel.extend(csv.encode_utf16().flat_map(u16::to_le_bytes));
    let (dir, _) = with_file("unicode.csv", &excel);
    let out = grantlint(dir.path(), &["unicode.csv"], None);
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    assert!(
        stderr(&out).contains("UTF-16 (little-endian, with a byte-order mark)"),
        "{}",
        stderr(&out)
    );
    let big_endian: Vec<u8> = csv.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let out = grantlint(
        dir.path(),
        &["--input-format", "csv", "-"],
        Some(&big_endian),
    );
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    assert!(
        stderr(&out).contains("UTF-16 (big-endian)"),
        "{}",
        stderr(&out)
    );
    // 64 MiB of NUL on standard input is refused from its first bytes, not read whole.
    let zeros = vec![0u8; 64 << 20];
    let out = grantlint(dir.path(), &["--input-format", "csv", "-"], Some(&zeros));
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    assert!(stderr(&out).contains("binary"), "{}", stderr(&out));
}

#[test]
fn an_error_in_a_long_line_names_the_place_without_echoing_the_line() {
    // A 2 MB scalar, and a grant after a 2 MB line: the snippet would print the line whole.
    for (name, text) in [
        ("scalar.yaml", format!("{}\n", "x".repeat(2 << 20))),
        (
            "after.yaml",
            format!("# {}\n- id: [\n", "y".repeat(2 << 20)),
        ),
    ] {
        let (dir, _) = with_file(name, text.as_bytes());
        let out = grantlint(dir.path(), &[name], None);
        assert_eq!(out.status.code(), Some(CANNOT_RUN));
        let shown = stderr(&out);
        assert!(
            shown.len() < 4096,
            "{name}: {} bytes of stderr",
            shown.len()
        );
        assert!(shown.contains(&format!("{name}:")), "{shown}");
    }
}

/// The read position of `pid`'s open descriptor on `path`, read from /proc while it is stopped.
#[cfg(target_os = "linux")]
fn read_position(pid: u32, path: &Path) -> Option<u64> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    fds.flatten()
        .filter(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
        .filter_map(|fd| {
            let info =
                std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{}", fd.file_name().to_str()?))
                    .ok()?;
            let pos = info.lines().find_map(|l| l.strip_prefix("pos:"))?;
            pos.trim().parse().ok()
        })
        .max()
}

/// Stops `pid` and waits until the kernel says every thread of it is stopped (`T` in
/// /proc/PID/task/*/stat: a read under way ends first), or it is gone.
#[cfg(target_os = "linux")]
fn stop(pid: u32) {
    use nix::sys::signal::{Signal, kill};
    let _ = kill(nix::unistd::Pid::from_raw(pid as i32), Signal::SIGSTOP);
    let running = || {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return false;
        };
        tasks.flatten().any(|task| {
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
            let state = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next());
            !matches!(state, Some('T' | 't' | 'Z' | 'X') | None)
        })
    };
    while running() {
        std::thread::yield_now();
    }
}

/// A file cut short while grantlint reads it (another job rewriting the export) passed on the
/// grants read so far, with no error: 625,525 of 1,000,000 grants. No timing is guessed: the
/// run is stopped (SIGSTOP) over and over until /proc shows it reading the file past its first
/// mebibyte and short of its end; only then, while it is stopped, is the file cut, and the run
/// continued. So the cut always lands mid-read, and the run must name the file and fail.
#[cfg(target_os = "linux")]
#[test]
fn a_file_cut_short_while_it_is_read_is_an_error_naming_it() {
    use nix::sys::signal::{Signal, kill};
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let csv_row = |i: usize| {
        format!(
            "SUP-{i},tenant-{i},Mina Chen,Ravi Patel,2026-11-02T09:55:00Z,2026-11-02T10:00:00Z,2026-11-02T11:00:00Z,2026-11-02T10:30:00Z,Restart stuck invoice sync,CS-{i},Dana Lee,expired,{}\n",
            "n".repeat(300)
        )
    };
    let event = |i: usize| {
        format!(
            "{{\"event\":\"db.session.query\",\"id\":\"q{i}\",\"db_query\":\"{}\",\"time\":\"2026-11-02T10:00:00Z\"}}\n",
            "x".repeat(400)
        )
    };
    type Lines<'a> = &'a dyn Fn(usize) -> String;
    let cases: [(&str, &[&str], String, Lines); 2] = [
        (
            "big.csv",
            &[],
            "id,tenant,grantee,approver,approved_at,start,expires,ended_at,reason,ticket,owner,status,notes\n".into(),
            &csv_row,
        ),
        // An audit log is read line by line, and its request lines read again by place.
        (
            "audit.jsonl",
            &["--source", "teleport"],
            "{\"event\":\"access_request.create\",\"id\":\"r1\",\"user\":\"a\",\"state\":\"PENDING\"}\n".into(),
            &event,
        ),
    ];
    for (name, args, head, line) in cases {
        let path = dir.path().join(name);
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        file.write_all(head.as_bytes()).unwrap();
        for i in 0..100_000 {
            file.write_all(line(i).as_bytes()).unwrap();
        }
        file.into_inner().unwrap().sync_all().unwrap();
        let path = path.canonicalize().unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("grantlint"))
            .current_dir(dir.path())
            .args([
                "check", "--now", NOW, "--color", "never", "--format", "json",
            ])
            .args(args)
            .arg(name)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let (pid, started) = (child.id(), Instant::now());
        let mut cut = None;
        while cut.is_none() && child.try_wait().unwrap().is_none() {
            assert!(
                started.elapsed() < HANG_GUARD,
                "{name}: never caught reading"
            );
            stop(pid);
            if let Some(at) = read_position(pid, &path).filter(|&at| at > 1 << 20 && at < size) {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .unwrap()
                    .set_len(at / 2)
                    .unwrap();
                cut = Some(at);
            }
            let _ = kill(nix::unistd::Pid::from_raw(pid as i32), Signal::SIGCONT);
        }
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert!(
            cut.is_some(),
            "{name}: read whole before it was caught; make it larger"
        );
        assert_eq!(
            out.status.code(),
            Some(CANNOT_RUN),
            "{name} cut at {cut:?}: {err}"
        );
        assert!(
            err.contains(name) && err.contains("cut short"),
            "{name}: {err}"
        );
    }
}

/// `--now` at the last second grantlint reads (9999-12-31), with waivers, expiries and a
/// review period reaching past it: `DateTime + TimeDelta overflowed` panicked in `check` and
/// `report` (suppress.rs). Each ends with its ordinary exit code.
#[test]
fn the_latest_now_and_far_dates_do_not_overflow() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("grants.csv"),
        "id,tenant,grantee,approver,start,expires,reason,ticket\n\
         A,acme,Mina Chen,Ravi Patel,9999-12-31T20:00:00Z,9999-12-31T23:59:59Z,fix invoices,SUP-1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policy.yaml"),
        "version: 1\nwaivers:\n  - rule: window-max\n    grant: A\n    reason: r\n    approver: Ravi Patel\n    expires: 9999-12-31\n",
    )
    .unwrap();
    let last = "9999-12-31T23:59:59Z";
    for command in ["check", "report"] {
        let mut cmd = Command::cargo_bin("grantlint").unwrap();
        let out = cmd
            .current_dir(dir.path())
            .timeout(HANG_GUARD)
            .args([
                command,
                "--now",
                last,
                "--policy",
                "policy.yaml",
                "grants.csv",
            ])
            .output()
            .unwrap();
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "{command}: {code:?}: {}",
            stderr(&out)
        );
    }
    let out = grantlint(
        dir.path(),
        &["--now", "+99999-01-01T00:00:00Z", "grants.csv"],
        None,
    );
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    assert!(stderr(&out).contains("--now"), "{}", stderr(&out));
}

/// A Teleport audit log was held whole and parsed at about 10 MB/s (900,000 events, 2.4 GB:
/// more than 5 GB and over a minute). It is read a line at a time: 64 MiB of events, most of
/// them not requests, run in 48 MiB of data; a line with no end is refused at its line.
#[test]
fn an_audit_log_is_read_in_memory_that_does_not_grow_with_its_lines() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut log =
        std::io::BufWriter::new(std::fs::File::create(dir.path().join("audit.jsonl")).unwrap());
    let query = "x".repeat(1000);
    for i in 0..60_000 {
        if i % 100 == 0 {
            writeln!(log, "{{\"event\":\"access_request.create\",\"id\":\"r{i}\",\"user\":\"alice\",\"roles\":[\"support\"],\"state\":\"PENDING\",\"time\":\"2026-11-24T09:00:00Z\",\"reason\":\"SUP-{i}\",\"max_duration\":\"2026-11-24T13:00:00Z\"}}").unwrap();
            writeln!(log, "{{\"event\":\"access_request.review\",\"id\":\"r{i}\",\"reviewer\":\"carol\",\"proposed_state\":\"APPROVED\",\"state\":\"APPROVED\",\"time\":\"2026-11-24T09:05:00Z\"}}").unwrap();
        }
        writeln!(log, "{{\"event\":\"db.session.query\",\"uid\":\"q{i}\",\"db_query\":\"{query}\",\"time\":\"2026-11-24T09:00:00Z\"}}").unwrap();
    }
    log.into_inner().unwrap().sync_all().unwrap();
    let out = bounded(
        dir.path(),
        48,
        &["--source", "teleport", "--format", "json", "audit.jsonl"],
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    assert_eq!(json(&out)["summary"]["grants"], 600);
    // One line of 20 MiB (a file that is not JSON lines) is not gathered whole.
    let mut one = b"{\"event\":\"access_request.create\",\"id\":\"r1\"}\n{\"event\":\"".to_vec();
    one.resize(20 << 20, b'x');
    std::fs::write(dir.path().join("one.jsonl"), one).unwrap();
    let out = bounded(dir.path(), 48, &["--source", "teleport", "one.jsonl"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{err}");
    assert!(
        err.contains("one.jsonl:2:1: this line is longer than 16 MiB"),
        "{err}"
    );
    assert!(err.contains("--max-value-size"), "{err}");
}

/// Random bytes on standard input (`/dev/urandom`) took 1.8 GB before they were refused: they
/// are refused from their first bytes.
#[test]
fn random_bytes_on_standard_input_are_refused_from_their_start() {
    let dir = tempfile::tempdir().unwrap();
    // A fixed generator (xorshift), so the bytes are the same on every run.
    let mut state: u64 = 0x2400_2400_dead_beef;
    let random: Vec<u8> = (0..32 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    for format in ["csv", "yaml", "json"] {
        let out = grantlint(dir.path(), &["--input-format", format, "-"], Some(&random));
        assert_eq!(out.status.code(), Some(CANNOT_RUN), "{format}");
        assert!(
            stderr(&out).contains("binary"),
            "{format}: {}",
            stderr(&out)
        );
    }
}
