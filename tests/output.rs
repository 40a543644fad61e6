//! What grantlint writes: files with the umask's mode, whole or not at all; standard output
//! that a reader may close early (`| head`) without a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_grantlint");
const NOW: &str = "2026-11-24T12:00:00Z";

/// Runs `grantlint ARGS` in `dir` under `umask`, through the shell that sets it.
#[cfg(unix)]
fn under_umask(umask: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A folder holding one grants file with findings.
#[cfg(unix)]
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/samples/grants.yaml"),
        dir.path().join("grants.yaml"),
    )
    .unwrap();
    dir
}

#[cfg(unix)]
#[test]
fn written_files_get_the_umasks_mode() {
    for (umask, expected) in [("022", 0o644), ("027", 0o640), ("077", 0o600)] {
        let dir = scratch();
        let out = under_umask(
            umask,
            dir.path(),
            &[
                "check",
                "--now",
                NOW,
                "-o",
                "report.txt",
                "--report",
                "sarif=report.sarif",
                "--write-baseline",
                "baseline.json",
                "grants.yaml",
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = under_umask(umask, dir.path(), &["init", "grantlint.yaml"]);
        assert_eq!(out.status.code(), Some(0));
        for file in [
            "report.txt",
            "report.sarif",
            "baseline.json",
            "grantlint.yaml",
        ] {
            let path = dir.path().join(file);
            assert!(
                std::fs::metadata(&path).unwrap().len() > 0,
                "{file} is empty"
            );
            assert_eq!(
                mode(&path),
                expected,
                "{file} under umask {umask}: {:o}",
                mode(&path)
            );
        }
        // Only the written files are left: no temporary file stays behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 5);
    }
}

#[cfg(unix)]
#[test]
fn a_replaced_file_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch();
    let report = dir.path().join("report.json");
    std::fs::write(&report, "old").unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = under_umask(
        "022",
        dir.path(),
        &[
            "check",
            "--now",
            NOW,
            "--format",
            "json",
            "-o",
            "report.json",
            "grants.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    assert_eq!(mode(&report), 0o640);
}

/// Runs `grantlint ARGS` with standard output (and, when `both`, standard error) a pipe whose
/// reader is gone before grantlint starts, so every write meets a closed pipe.
fn into_a_closed_pipe(args: &[&str], both: bool) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(writer.try_clone().unwrap());
    if both {
        command.stderr(writer);
    }
    command.output().unwrap()
}

#[test]
fn a_closed_pipe_is_a_quiet_end_for_every_command() {
    let grants = "fixtures/samples/grants.yaml";
    // (arguments, the exit code the run reaches whoever reads its output)
    let runs: &[(&[&str], i32)] = &[
        (&["explain", "window-max"], 0),
        (&["explain", "--source", "jira"], 0),
        (&["rules"], 0),
        (&["policy", "show"], 0),
        (&["policy", "check"], 0),
        (&["man"], 0),
        (&["completions", "bash"], 0),
        (&["--help"], 0),
        (&["check", "--now", NOW, grants], 1),
        (&["check", "--now", NOW, "--format", "json", grants], 1),
        (&["check", "--now", NOW, "--format", "sarif", grants], 1),
        (&["report", "--now", NOW, grants], 0),
        (&["test", "policies/examples/tests"], 0),
    ];
    for (args, code) in runs {
        for both in [false, true] {
            let out = into_a_closed_pipe(args, both);
            assert_eq!(
                out.status.code(),
                Some(*code),
                "grantlint {} (stderr closed too: {both}): {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
            if !both {
                // Nothing is said about the closed pipe: the reader chose to stop.
                assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
            }
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_is_an_error() {
    // A full disk is not a reader that stopped early: the run did not do its job. Every
    // command that writes to standard output (issue 24: `rules`, `policy show`, `explain` and
    // `test` ended in a panic, exit 101).
    for args in [
        &["rules"][..],
        &["check", "--now", NOW, "fixtures/samples/grants.yaml"],
        &["report", "--now", NOW, "fixtures/samples/grants.yaml"],
        &["policy", "show"],
        &["explain", "window-max"],
        &["explain", "--source", "teleport"],
        &["test", "policies/examples/tests"],
        &["man"],
        &["completions", "bash"],
    ] {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("No space left on device"), "{stderr}");
    }
}

/// Asserts the run's exit code, showing its standard error when it differs.
fn exits(out: &Output, code: i32) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
}

/// `grantlint ARGS` in `dir`.
fn grantlint_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn no_report_replaces_what_the_run_reads_or_another_report() {
    let dir = scratch();
    let files = [
        ("grantlint.yaml", "version: 1\npeople: people.yaml\n"),
        ("people.yaml", "- name: Ana Ortiz\n"),
        ("waivers.yaml", "waivers: []\n"),
        ("baseline.json", "{\"version\": 1, \"entries\": []}\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    // A hard link to the policy is the policy.
    std::fs::hard_link(
        dir.path().join("grantlint.yaml"),
        dir.path().join("copy.yaml"),
    )
    .unwrap();
    let check = [
        "check",
        "--now",
        NOW,
        "--waivers",
        "waivers.yaml",
        "grants.yaml",
    ];
    for (flag, target) in [
        ("-o", "grantlint.yaml"),
        ("-o", "people.yaml"),
        ("-o", "copy.yaml"),
        ("--report", "sarif=waivers.yaml"),
        ("--write-baseline", "waivers.yaml"),
    ] {
        let mut args = check.to_vec();
        args.extend([flag, target]);
        let out = grantlint_in(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {target}: {stderr}");
        assert!(stderr.contains("which this run reads"), "{stderr}");
    }
    for (name, text) in files {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(name)).unwrap(),
            text
        );
    }
    let mut args = check.to_vec();
    args.extend(["--baseline", "baseline.json", "-o", "baseline.json"]);
    let out = grantlint_in(dir.path(), &args);
    assert_eq!(out.status.code(), Some(2));
    // Two reports to one file: one would be lost.
    let mut args = check.to_vec();
    args.extend(["-o", "r.json", "--report", "json=./r.json"]);
    let out = grantlint_in(dir.path(), &args);
    assert!(String::from_utf8_lossy(&out.stderr).contains("two reports"));
    assert!(!dir.path().join("r.json").exists());
    // Refreshing the baseline in place is allowed.
    let mut args = check.to_vec();
    args.extend([
        "--baseline",
        "baseline.json",
        "--write-baseline",
        "baseline.json",
    ]);
    let out = grantlint_in(dir.path(), &args);
    exits(&out, 0);
    // The weekly review is held to the same.
    let out = grantlint_in(dir.path(), &["report", "-o", "people.yaml", "grants.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("people.yaml")).unwrap(),
        files[1].1
    );
}

#[cfg(unix)]
#[test]
fn a_device_is_written_through_and_a_link_is_kept() {
    let dir = scratch();
    let args = [
        "check",
        "--now",
        NOW,
        "--format",
        "json",
        "grants.yaml",
        "-o",
    ];
    let out = grantlint_in(dir.path(), &[&args[..], &["/dev/null"]].concat());
    exits(&out, 1);
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // A link to a report in the repository stays a link; one leading out is refused.
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    std::os::unix::fs::symlink("reports/latest.json", dir.path().join("latest.json")).unwrap();
    let out = grantlint_in(dir.path(), &[&args[..], &["latest.json"]].concat());
    exits(&out, 1);
    let link = std::fs::symlink_metadata(dir.path().join("latest.json")).unwrap();
    assert!(link.file_type().is_symlink());
    assert!(dir.path().join("reports/latest.json").is_file());
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join("profile");
    std::fs::write(&outside, "export PATH=/usr/bin\n").unwrap();
    std::os::unix::fs::symlink(&outside, dir.path().join("out.json")).unwrap();
    let out = grantlint_in(dir.path(), &[&args[..], &["out.json"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        "export PATH=/usr/bin\n"
    );
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_no_temporary_file() {
    let dir = scratch();
    // A large export keeps the run busy long enough to be interrupted.
    let mut csv = String::from("id,grantee,tenant,reason,approver,start,expires\n");
    for i in 0..200_000 {
        csv.push_str(&format!(
            "SUP-{i},ana@example.com,t-{i},x,me,2026-11-23T09:00:00Z,2026-11-23T19:00:00Z\n"
        ));
    }
    std::fs::write(dir.path().join("big.csv"), csv).unwrap();
    // Ended by grantlint's handler with the shell's code for the signal (128 + its number),
    // not killed by it, unless it had finished (1).
    for (signal, code) in [("-TERM", 143), ("-INT", 130)] {
        let mut child = Command::new(BIN)
            .args([
                "check", "--now", NOW, "--format", "json", "-o", "r.json", "big.csv",
            ])
            .current_dir(dir.path())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        let kill = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status();
        assert!(kill.unwrap().success());
        let status = child.wait().unwrap();
        assert!(
            status.code() == Some(code) || status.code() == Some(1),
            "{signal}: {status:?}"
        );
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".grantlint-"))
            .collect();
        assert!(left.is_empty(), "{signal}: {left:?}");
    }
}

#[cfg(unix)]
#[test]
fn standard_output_a_fifo_and_inspect_are_written_as_they_should() {
    let dir = scratch();
    // `-o /dev/stdout` with standard output redirected to a file writes into that file.
    let report = dir.path().join("r.json");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec \"$0\" check --now {NOW} --format json -o /dev/stdout grants.yaml > r.json"
        ))
        .arg(BIN)
        .current_dir(dir.path())
        .output()
        .unwrap();
    exits(&out, 1);
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("\"findings\"")
    );
    // A FIFO with a reader gets the report, and comparing it with the inputs opens nothing.
    let fifo = dir.path().join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = std::process::Command::new("cat")
        .arg(&fifo)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = grantlint_in(
        dir.path(),
        &["check", "--now", NOW, "-o", "pipe", "grants.yaml"],
    );
    exits(&out, 1);
    let read = reader.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&read.stdout).contains("window-max"));
    // `inspect -o` is held to what the run reads too.
    std::fs::write(dir.path().join("grantlint.yaml"), "version: 1\n").unwrap();
    let out = grantlint_in(
        dir.path(),
        &["inspect", "-o", "grantlint.yaml", "grants.yaml"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("grantlint.yaml")).unwrap(),
        "version: 1\n"
    );
}
