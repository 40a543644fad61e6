//! Output safety, untouched inputs and determinism (issue 8, points 5 to 7).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

const NOW: &str = "2026-11-24T12:00:00Z";

fn grantlint(dir: &Path, args: &[&str], threads: Option<&str>) -> Output {
    let mut cmd = Command::cargo_bin("grantlint").unwrap();
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .timeout(Duration::from_secs(60))
        .arg("check")
        .args(["--now", NOW])
        .args(args);
    if let Some(threads) = threads {
        cmd.env("RAYON_NUM_THREADS", threads);
    }
    cmd.output().unwrap()
}

/// Data that tries to drive the terminal: clear the screen, retitle the window, recolour,
/// a carriage return that hides the line, and a right-to-left override.
const HOSTILE: &str = "\x1b[2J\x1b]0;pwned\x07\x1b[31mred\rX\u{202E}gnp.exe";

#[test]
fn nothing_from_the_data_reaches_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "- id: \"SUP-1\"\n  approver: \"{}\"\n  reason: \"{}\"\n  start: \"{}\"\n",
        HOSTILE.escape_default(),
        HOSTILE.escape_default(),
        HOSTILE.escape_default()
    );
    let name = "evil\x1b[31m.yaml";
    std::fs::write(dir.path().join(name), &yaml).unwrap();
    // A raw CSV carries the bytes into the snippet as they are.
    let csv = format!(
        "id,approver,reason\nSUP-2,{},x\n",
        HOSTILE.replace('\r', "")
    );
    std::fs::write(dir.path().join("evil.csv"), csv).unwrap();
    std::fs::write(dir.path().join("bad\x1b[2J.yaml"), "- id: [\n").unwrap();
    for color in ["never", "always"] {
        let out = grantlint(dir.path(), &["--color", color, "."], None);
        assert_eq!(out.status.code(), Some(2));
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            for bad in [
                "\x1b[2J",
                "\x1b]0;",
                "\x07",
                "\r",
                "\u{202E}",
                "\x1b[31mred",
                "\x1b[31m.yaml",
            ] {
                assert!(
                    !text.contains(bad),
                    "{color} {stream} carries {bad:?}:\n{text}"
                );
            }
            if color == "never" {
                assert!(!text.contains('\x1b'), "{stream}:\n{text}");
            }
        }
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(shown.contains("evil.csv"), "{shown}");
        assert!(
            shown.contains("[31mred"),
            "the rest of the value is still shown: {shown}"
        );
    }
}

#[test]
fn json_stays_valid_and_exact_for_any_string() {
    let dir = tempfile::tempdir().unwrap();
    let nasty = "quote \" backslash \\ newline \n tab \t nul \u{0} esc \x1b bell \x07 \u{2028} \u{FEFF} end";
    let export = serde_json::json!([{"id": nasty, "approver": "manager approved"}]);
    std::fs::write(dir.path().join("n.json"), export.to_string()).unwrap();
    let out = grantlint(dir.path(), &["--format", "json", "n.json"], None);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let grants: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["grant"].as_str().unwrap())
        .collect();
    assert!(!grants.is_empty(), "{report}");
    assert!(grants.iter().all(|g| *g == nasty.trim()), "{grants:?}");
    // Control characters are escaped, so the raw report holds none.
    assert!(!out.stdout.iter().any(|b| *b < 0x20 && *b != b'\n'));
}

/// Every file's bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let meta = std::fs::metadata(&path).unwrap();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                (std::fs::read(&path).unwrap(), meta.modified().unwrap()),
            )
        })
        .collect()
}

#[test]
fn inputs_are_left_byte_identical_with_their_mtime() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/samples");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&samples).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let before = snapshot(dir.path());
    std::thread::sleep(Duration::from_millis(20));
    for format in ["text", "json"] {
        let out = grantlint(dir.path(), &["--format", format, "."], None);
        assert_eq!(out.status.code(), Some(1));
    }
    assert_eq!(snapshot(dir.path()), before);
    // A report over an input is refused, and the input stays as it was.
    let out = grantlint(dir.path(), &["--output", "grants.json", "."], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("which this run reads"));
    assert_eq!(snapshot(dir.path()), before);
    // A report beside the inputs is written whole; the inputs are untouched.
    let out = grantlint(
        dir.path(),
        &["--format", "json", "--output", "report.out", "."],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let mut after = snapshot(dir.path());
    let report = after.remove("report.out").unwrap();
    serde_json::from_slice::<Value>(&report.0).unwrap();
    assert_eq!(after, before);
}

/// The findings of a JSON report grouped by file, each as it is printed.
fn by_file(report: &Value) -> BTreeMap<String, Vec<String>> {
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        files
            .entry(f["file"].as_str().unwrap().to_string())
            .or_default()
            .push(f.to_string());
    }
    files
}

#[test]
fn findings_do_not_depend_on_threads_or_the_order_files_are_listed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = ["fixtures/samples", "fixtures/rules"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
        .map(|e| {
            e.unwrap()
                .path()
                .strip_prefix(root)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    files.sort();
    let run = |files: &[String], threads: Option<&str>| {
        let mut args = vec!["--format", "json"];
        args.extend(files.iter().map(String::as_str));
        let out = grantlint(root, &args, threads);
        assert_eq!(out.status.code(), Some(1));
        out.stdout
    };
    let one = run(&files, Some("1"));
    for threads in [None, Some("2"), Some("7")] {
        assert!(
            one == run(&files, threads),
            "differs with {threads:?} threads"
        );
    }
    // Findings are ordered by file as listed; each file's findings are the same whatever
    // the order.
    let forward: Value = serde_json::from_slice(&one).unwrap();
    let mut reversed = files.clone();
    reversed.reverse();
    let backward: Value = serde_json::from_slice(&run(&reversed, None)).unwrap();
    assert_eq!(by_file(&forward), by_file(&backward));
    let order = |report: &Value| -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for f in report["findings"].as_array().unwrap() {
            let file = f["file"].as_str().unwrap().to_string();
            if seen.last() != Some(&file) {
                seen.push(file);
            }
        }
        seen
    };
    let mut back = order(&backward);
    back.reverse();
    assert_eq!(order(&forward), back);
}

/// Bidi controls and newlines in values or file names (issue 24, point 5): no output shows a
/// value reordered, and no line of any output starts a CI workflow command.
#[test]
fn values_and_file_names_cannot_reorder_text_or_start_a_ci_command() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "- id: SUP-1\n  grantee: \"\\u202enehC aniM\"\n  approver: Ravi Patel\n  tenant: acme\n  reason: \"x\\u2066y\"\n  start: 2026-11-23T09:00:00Z\n  expires: 2026-11-23T10:00:00Z\n";
    std::fs::write(dir.path().join("evil\n::error::pwned.yaml"), yaml).unwrap();
    let shown = |out: &Output| {
        let mut all = String::from_utf8_lossy(&out.stdout).into_owned();
        all.push_str(&String::from_utf8_lossy(&out.stderr));
        all
    };
    let human = ["text", "github", "junit", "concise"];
    for format in human {
        let out = grantlint(dir.path(), &["--format", format, "."], None);
        let all = shown(&out);
        assert!(
            !all.lines().any(|l| l.starts_with("::error::pwned")),
            "{format}: {all}"
        );
        assert!(!all.contains(['\u{202E}', '\u{2066}']), "{format}: {all}");
    }
    for format in ["markdown", "html"] {
        let out = Command::cargo_bin("grantlint")
            .unwrap()
            .current_dir(dir.path())
            .args(["report", "--now", NOW, "--format", format, "."])
            .output()
            .unwrap();
        assert!(!shown(&out).contains(['\u{202E}', '\u{2066}']), "{format}");
    }
}

/// Issue 24: self-approval was missed when the approver was the grantee written another way.
/// Each row's approver is "José Núñez" as a person would not tell apart from the grantee:
/// decomposed accents (NFD), a zero-width joiner, Cyrillic look-alikes, full-width letters,
/// "name, title", a right-to-left override; every row is a self-approval finding.
#[test]
fn a_grantee_written_another_way_is_still_the_approver() {
    let dir = tempfile::tempdir().unwrap();
    let approvers = [
        "Jose\u{301} Nu\u{301}n\u{303}ez",
        "Jos\u{e9} N\u{fa}\u{200d}\u{f1}ez",
        "J\u{43e}s\u{e9} N\u{fa}\u{f1}\u{435}z",
        "\u{ff2a}\u{ff4f}\u{ff53}\u{e9} \u{ff2e}\u{fa}\u{f1}\u{ff45}\u{ff5a}",
        "Jos\u{e9} N\u{fa}\u{f1}ez, support lead",
        "\u{202e}Jos\u{e9} N\u{fa}\u{f1}ez\u{202c}",
    ];
    let mut csv = String::from("id,tenant,grantee,approver\n");
    for (i, approver) in approvers.iter().enumerate() {
        csv.push_str(&format!(
            "G{i},acme,Jos\u{e9} N\u{fa}\u{f1}ez,\"{approver}\"\n"
        ));
    }
    std::fs::write(dir.path().join("grants.csv"), csv).unwrap();
    let out = grantlint(dir.path(), &["--format", "json", "grants.csv"], None);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut flagged: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "self-approval")
        .map(|f| f["grant"].as_str().unwrap())
        .collect();
    flagged.dedup();
    assert_eq!(flagged, ["G0", "G1", "G2", "G3", "G4", "G5"], "{report:#}");
}
