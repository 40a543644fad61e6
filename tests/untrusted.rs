//! Running on an untrusted pull request (issue 24, point 1): the files a policy names, and the
//! exports, are read only inside the checkout and only when they are regular files, so a
//! committed link or path cannot print a file from elsewhere into the CI log, and a FIFO or a
//! device cannot hang the job.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;

const SAMPLE: &str = "- id: SUP-1\n  grantee: ana@example.com\n";

/// A checkout: a folder with `.git`, holding one export.
fn checkout() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    std::fs::write(repo.path().join("grants.yaml"), SAMPLE).unwrap();
    repo
}

fn grantlint(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(dir)
        .timeout(Duration::from_secs(20))
        .args(args)
        .output()
        .unwrap()
}

/// The exit code and standard error of `check` with `args`.
fn check(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["check", "--now", "2026-11-24T12:00:00Z"];
    all.extend(args);
    let out = grantlint(dir, &all);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A file outside the checkout holding a secret.
fn secret() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secrets.yaml");
    std::fs::write(&path, "TOKEN: ghp_s3cr3t\n- not a policy\n").unwrap();
    (dir, path)
}

#[test]
fn a_policy_linked_to_the_environment_is_refused_without_printing_it() {
    let repo = checkout();
    symlink("/proc/self/environ", repo.path().join("grantlint.yaml")).unwrap();
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(repo.path())
        .env("CANARY_TOKEN", "ghp_canary")
        .args(["check", "grants.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("a system file"), "{stderr}");
    assert!(!stderr.contains("ghp_canary"), "{stderr}");
}

#[test]
fn extends_and_people_outside_the_checkout_are_refused_without_printing_them() {
    let repo = checkout();
    let (_dir, secret) = secret();
    for key in ["extends", "people"] {
        let policy = format!("version: 1\n{key}: {}\n", secret.display());
        std::fs::write(repo.path().join("grantlint.yaml"), policy).unwrap();
        let (code, stderr) = check(repo.path(), &["grants.yaml"]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("outside"), "{stderr}");
        assert!(stderr.contains("--allow-outside-root"), "{stderr}");
        assert!(!stderr.contains("ghp_s3cr3t"), "{stderr}");
    }
    // A relative path out of the checkout, and a link in it that leads out, are the same.
    let inside = repo.path().join("team.yaml");
    symlink(&secret, &inside).unwrap();
    for target in ["team.yaml", "../../../../../../../../etc/passwd"] {
        std::fs::write(
            repo.path().join("grantlint.yaml"),
            format!("extends: {target}\n"),
        )
        .unwrap();
        let (code, stderr) = check(repo.path(), &["grants.yaml"]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            !stderr.contains("ghp_s3cr3t") && !stderr.contains("root:"),
            "{stderr}"
        );
    }
    // Allowed on purpose, the file is read (and is then not a policy).
    let (code, stderr) = check(repo.path(), &["--allow-outside-root", "grants.yaml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!stderr.contains("outside"), "{stderr}");
}

#[test]
fn waivers_baselines_and_exports_linked_out_of_the_checkout_are_refused() {
    let repo = checkout();
    let (_dir, secret) = secret();
    symlink(&secret, repo.path().join("waivers.yaml")).unwrap();
    symlink(&secret, repo.path().join("baseline.json")).unwrap();
    symlink(&secret, repo.path().join("export.yaml")).unwrap();
    for args in [
        ["--waivers", "waivers.yaml", "grants.yaml"],
        ["--baseline", "baseline.json", "grants.yaml"],
        ["--exclude", "nothing", "export.yaml"],
    ] {
        let (code, stderr) = check(repo.path(), &args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("outside"), "{args:?}: {stderr}");
        assert!(!stderr.contains("ghp_s3cr3t"), "{args:?}: {stderr}");
    }
}

#[test]
fn fifos_and_devices_are_refused_before_they_are_opened() {
    let repo = checkout();
    let fifo = repo.path().join("pipe.yaml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // No writer ever opens the FIFO: opening it to read would wait for ever.
    let (code, stderr) = check(repo.path(), &["pipe.yaml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("a named pipe, not a regular file"),
        "{stderr}"
    );
    for key in ["extends", "people"] {
        // /dev/stdin on a pipe cannot be resolved to a path, and opens all the same.
        for target in ["pipe.yaml", "/dev/zero", "/dev/stdin"] {
            std::fs::write(
                repo.path().join("grantlint.yaml"),
                format!("{key}: {target}\n"),
            )
            .unwrap();
            let (code, stderr) = check(repo.path(), &["--allow-outside-root", "grants.yaml"]);
            assert_eq!(code, Some(2), "{key}: {target}: {stderr}");
            assert!(stderr.contains("not a regular file") || stderr.contains("a system file"));
        }
    }
}

#[test]
fn a_folder_search_does_not_follow_a_link_out_of_the_checkout() {
    let repo = checkout();
    let elsewhere = tempfile::tempdir().unwrap();
    for i in 0..5 {
        std::fs::write(elsewhere.path().join(format!("g{i}.yaml")), SAMPLE).unwrap();
    }
    symlink(elsewhere.path(), repo.path().join("linked")).unwrap();
    let (code, err) = check(repo.path(), &["."]);
    // The checkout's own export is checked; the linked folder is named once, its files never.
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.matches("linked").count(), 1, "{err}");
    assert!(
        err.contains("a link to a folder outside the repository"),
        "{err}"
    );
    assert!(!err.contains("g0.yaml"), "{err}");
    // Allowed, it is searched.
    let out = grantlint(
        repo.path(),
        &[
            "check",
            "--now",
            "2026-11-24T12:00:00Z",
            "--allow-outside-root",
            ".",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("6 grants"),
        "{out:?}"
    );
}
