//! `grantlint check .` at a repository root: what a folder search reads and leaves out
//! (grantlint's own files, tools' files, `--exclude`, the policy's `inputs:`), `--from-hook`,
//! and that finding nothing to check never passes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use common::{NOW, stderr};
use serde_json::Value;

const HEADER: &str = "id,tenant,environment,grantee,account_type,role,reason,approver,approved_at,owner,ticket,start,expires,ended_at,status\n";

/// A grant every default rule accepts.
fn clean(id: &str) -> String {
    format!(
        "{id},acme-prod-eu,prod,Ravi Patel,personal,reader,Customer cannot export invoices since the upgrade INC-1,Dana Whitfield,2026-11-20T09:00:00Z,Dana Whitfield,INC-1,2026-11-20T10:00:00Z,2026-11-20T12:00:00Z,2026-11-20T12:00:00Z,ended\n"
    )
}

/// A grant open for two days: a window-max error.
fn too_long(id: &str) -> String {
    format!(
        "{id},acme-prod-eu,prod,Ravi Patel,personal,reader,Customer cannot export invoices since the upgrade INC-2,Dana Whitfield,2026-11-20T09:00:00Z,Dana Whitfield,INC-2,2026-11-20T10:00:00Z,2026-11-22T10:00:00Z,2026-11-22T10:00:00Z,ended\n"
    )
}

/// A scratch repository: `.git` marks its root, so no policy above it applies.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir(repo.path(".git")).unwrap();
        repo
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, text: &str) -> &Repo {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    /// Runs `grantlint ARGS` in `folder` of the repository.
    fn run_in(&self, folder: &str, args: &[&str]) -> Output {
        Command::cargo_bin("grantlint")
            .unwrap()
            .current_dir(self.path(folder))
            .env_remove("NO_COLOR")
            .args(args)
            .output()
            .unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in("", args)
    }

    /// `check --format json --now NOW ARGS` at the root: the exit code and the report.
    fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["check", "--format", "json", "--now", NOW];
        all.extend_from_slice(args);
        let out = self.run(&all);
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                stderr(&out)
            )
        });
        (out.status.code().unwrap(), report)
    }
}

/// The files a report's findings on grants are in, with `/` separators and without a leading
/// `./` (waivers' own findings point into the waiver file).
fn finding_files(report: &Value) -> Vec<String> {
    let mut files: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["rule"].as_str().unwrap().starts_with("waiver-"))
        .map(|f| {
            let file = f["file"].as_str().unwrap().replace('\\', "/");
            file.trim_start_matches("./").to_string()
        })
        .collect();
    files.dedup();
    files
}

/// A repository as teams keep one: the policy with its people file, a waiver file, policy
/// tests, a package manifest, a workflow, a baseline, and one grants export.
fn repository(export: &str) -> Repo {
    let repo = Repo::new();
    repo.write(
        "grantlint.yaml",
        "version: 1\nextends: team/base.yaml\npeople: staff/people.yaml\nrules:\n  ticket-linked: off\n",
    )
    .write(
        "team/base.yaml",
        "version: 1\nextends: default\nrules:\n  window-max: {max: 4h}\n",
    )
    .write(
        "staff/people.yaml",
        "- {name: Dana Whitfield, email: dana@acme.io}\n- {name: Ravi Patel, email: ravi@acme.io}\n",
    )
    .write(
        "waivers.yaml",
        "waivers:\n  - rule: repeat-tenant\n    tenant: acme-prod-eu\n    reason: migration week for this tenant, CHG-2231\n    approver: Dana Whitfield\n    expires: 2026-12-15\n",
    )
    // A policy test: its export is written to fail, and `grantlint test` checks it.
    .write(
        "policy-tests/grantlint.yaml",
        "version: 1\nrules:\n  window-max: {max: 1h}\n",
    )
    .write(
        "policy-tests/too-long.expect.yaml",
        "findings:\n  - {rule: window-max, grant: T-1}\n",
    )
    .write("policy-tests/too-long.csv", &format!("{HEADER}{}", too_long("T-1")))
    .write(
        "package.json",
        "{\"name\": \"access-exports\", \"version\": \"1.0.0\", \"scripts\": {\"lint\": \"grantlint check .\"}}\n",
    )
    .write(
        ".github/workflows/grantlint.yml",
        "on: push\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps: [{run: grantlint check .}]\n",
    )
    .write("baseline.json", "{\"version\": 1, \"entries\": []}\n")
    .write("exports/2026-11-23.csv", export);
    repo
}

#[test]
fn check_dot_in_a_repository_reads_only_the_grants_export() {
    let flags = ["--waivers", "waivers.yaml", "--baseline", "baseline.json"];
    let repo = repository(&format!("{HEADER}{}{}", clean("SUP-1"), too_long("SUP-2")));
    let (code, report) = repo.json(&[&["."][..], &flags].concat());
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["summary"]["files"], 1, "{report}");
    assert_eq!(report["summary"]["grants"], 2, "{report}");
    assert_eq!(finding_files(&report), ["exports/2026-11-23.csv"]);
    assert_eq!(report["findings"][0]["grant"], "SUP-2");

    // The same repository with a clean export passes: nothing of grantlint's own was linted.
    let repo = repository(&format!("{HEADER}{}", clean("SUP-1")));
    let (code, report) = repo.json(&[&["."][..], &flags].concat());
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["files"], 1);
    assert_eq!(report["summary"]["grants"], 1);
}

#[test]
fn files_grantlint_wrote_and_waiver_files_are_left_out_without_their_flags() {
    let repo = repository(&format!("{HEADER}{}{}", clean("SUP-1"), too_long("SUP-2")));
    // A CI job leaves its reports and a new baseline in the working tree…
    std::fs::create_dir(repo.path("reports")).unwrap();
    let out = repo.run(&[
        "check",
        "exports",
        "--now",
        NOW,
        "--report",
        "json=reports/grantlint.json",
        "--report",
        "csv=reports/findings.csv",
        "--report",
        "gitlab=reports/gl-code-quality.json",
        "--report",
        "gitlab-sast=reports/gl-sast-report.json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = repo.run(&[
        "check",
        "exports",
        "--now",
        NOW,
        "--write-baseline",
        "reports/baseline.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // …and the next `check .`, without --waivers or --baseline, still reads only the export.
    let out = repo.run(&["check", ".", "--now", NOW, "-v"]);
    let err = stderr(&out).replace('\\', "/");
    assert_eq!(out.status.code(), Some(1), "{err}");
    for line in [
        "skipping ./waivers.yaml (grantlint's own: a waiver file)",
        "skipping ./baseline.json (grantlint's own: a baseline)",
        "skipping ./reports/baseline.json (grantlint's own: a baseline)",
        "skipping ./reports/findings.csv (grantlint's own: a CSV of findings grantlint wrote)",
        "skipping ./reports/gl-code-quality.json (grantlint's own: a GitLab Code Quality report)",
        "skipping ./reports/gl-sast-report.json (grantlint's own: a GitLab security report grantlint wrote)",
        "skipping ./reports/grantlint.json (grantlint's own: a report grantlint wrote)",
    ] {
        assert!(err.contains(line), "missing `{line}` in:\n{err}");
    }
    let (code, report) = repo.json(&["."]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["summary"]["files"], 1, "{report}");
    assert_eq!(finding_files(&report), ["exports/2026-11-23.csv"]);
}

#[test]
fn verbose_names_each_file_left_out_and_why() {
    let repo = repository(&format!("{HEADER}{}", clean("SUP-1")));
    let out = repo.run(&[
        "check",
        ".",
        "-v",
        "--now",
        NOW,
        "--waivers",
        "waivers.yaml",
        "--baseline",
        "baseline.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out).replace('\\', "/");
    for line in [
        "skipping ./grantlint.yaml (grantlint's own: the policy)",
        "skipping ./staff/people.yaml (grantlint's own: the people directory)",
        "skipping ./team/base.yaml (grantlint's own: a policy the policy extends)",
        "skipping ./waivers.yaml (grantlint's own: the waivers given with --waivers)",
        "skipping ./baseline.json (grantlint's own: the baseline given with --baseline)",
        "skipping ./policy-tests/grantlint.yaml (grantlint's own: a policy file)",
        "skipping ./policy-tests/too-long.csv (grantlint's own: a policy test's export",
        "skipping ./policy-tests/too-long.expect.yaml (grantlint's own: a policy test's expectations)",
        "skipping ./package.json (a tool's file, not a grants export)",
        "skipping hidden ./.github",
    ] {
        assert!(err.contains(line), "missing `{line}` in:\n{err}");
    }
    assert!(!err.contains("2026-11-23.csv"), "{err}");
}

#[test]
fn a_file_named_on_the_command_line_is_always_read() {
    let repo = repository(&format!("{HEADER}{}", clean("SUP-1")));
    // The policy test's export is left out of `.`, but read when named.
    let (code, report) = repo.json(&["policy-tests/too-long.csv"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(finding_files(&report), ["policy-tests/too-long.csv"]);
    // So is a people file, though it is no grants export: the user asked for it.
    let (code, report) = repo.json(&["staff/people.yaml"]);
    assert_ne!(code, 0, "{report}");
    assert_eq!(report["summary"]["files"], 1, "{report}");
}

#[test]
fn exclude_leaves_out_what_it_matches_in_folders() {
    let repo = Repo::new();
    repo.write(
        "exports/current.csv",
        &format!("{HEADER}{}", clean("SUP-1")),
    )
    .write(
        "exports/archive/2025.csv",
        &format!("{HEADER}{}", too_long("OLD-1")),
    )
    .write(
        "exports/current.draft.csv",
        &format!("{HEADER}{}", too_long("DRAFT-1")),
    );
    let (code, report) = repo.json(&["."]);
    assert_eq!((code, report["summary"]["files"].as_u64()), (1, Some(3)));

    // A glob without `/` matches a name anywhere; a folder takes everything in it.
    let (code, report) = repo.json(&[".", "--exclude", "archive", "--exclude", "*.draft.csv"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["files"], 1);
    // A glob with `/` is relative to the current folder.
    let (code, report) = repo.json(&[
        ".",
        "--exclude",
        "exports/archive/**",
        "--exclude",
        "exports/*.draft.csv",
    ]);
    assert_eq!((code, report["summary"]["files"].as_u64()), (0, Some(1)));
    // Outside the current folder, globs are written from the folder searched.
    std::fs::create_dir(repo.path("elsewhere")).unwrap();
    let out = repo.run_in(
        "elsewhere",
        &[
            "check",
            "../exports",
            "--exclude",
            "archive",
            "--exclude",
            "*.draft.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A file named on the command line is read whatever --exclude says.
    let (code, _) = repo.json(&["exports/archive/2025.csv", "--exclude", "archive"]);
    assert_eq!(code, 1);

    let out = repo.run(&["check", ".", "--exclude", "exports/[a"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid value 'exports/[a' for '--exclude <GLOB>'"),
        "{}",
        stderr(&out)
    );
}

/// A repository whose policy reads only `exports/`, and not drafts.
fn with_inputs() -> Repo {
    let repo = Repo::new();
    repo.write(
        "grantlint.yaml",
        "version: 1\ninputs:\n  include: [exports/**]\n  exclude: ['*.draft.csv']\n",
    )
    .write(
        "exports/current.csv",
        &format!("{HEADER}{}", clean("SUP-1")),
    )
    .write(
        "exports/current.draft.csv",
        &format!("{HEADER}{}", too_long("DRAFT-1")),
    )
    .write(
        "scratch/notes.csv",
        &format!("{HEADER}{}", too_long("SCRATCH-1")),
    );
    repo
}

#[test]
fn the_policy_inputs_say_what_a_folder_search_reads() {
    let repo = with_inputs();
    let (code, report) = repo.json(&["."]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["files"], 1);
    assert_eq!(report["summary"]["grants"], 1);

    // The globs are relative to the policy's folder, wherever grantlint runs.
    let out = repo.run_in(
        "scratch",
        &[
            "check",
            "..",
            "--policy",
            "../grantlint.yaml",
            "--now",
            NOW,
            "-v",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out).replace('\\', "/");
    assert!(
        err.contains("skipping ../scratch/notes.csv (not in `inputs.include` (../grantlint.yaml))"),
        "{err}"
    );
    assert!(
        err.contains(
            "skipping ../exports/current.draft.csv (excluded by `*.draft.csv` (../grantlint.yaml))"
        ),
        "{err}"
    );
    // Named on the command line, a file outside `include` is read.
    let (code, _) = repo.json(&["scratch/notes.csv"]);
    assert_eq!(code, 1);
    // Outside the policy's folder its `inputs:` do not decide: exports elsewhere are read.
    let elsewhere = Repo::new();
    elsewhere.write("notes.csv", &format!("{HEADER}{}", too_long("ELSEWHERE-1")));
    let policy = repo.path("grantlint.yaml").display().to_string();
    let out = elsewhere.run(&["check", ".", "--policy", &policy, "--now", NOW]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn bad_inputs_in_the_policy_are_located_with_a_suggestion() {
    let repo = Repo::new();
    repo.write(
        "grantlint.yaml",
        "version: 1\ninputs:\n  exclud: [archive]\n  include: ['exports/[a']\n",
    );
    let out = repo.run(&["policy", "check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("grantlint.yaml:3:3: unknown key `exclud` in `inputs`"),
        "{err}"
    );
    assert!(err.contains("did you mean `exclude`?"), "{err}");
    assert!(
        err.contains("grantlint.yaml:4:13: invalid glob `exports/[a` in `inputs.include`"),
        "{err}"
    );
    // `check` stops on the same errors before reading anything.
    let out = repo.run(&["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown key `exclud`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn from_hook_leaves_out_named_files_the_policy_does_not_read() {
    let repo = with_inputs();
    repo.write("people.yaml", "- {name: Dana Whitfield}\n")
        .write("package.json", "{\"name\": \"x\"}\n");
    // pre-commit passes every changed file: none of these is an export the policy reads.
    repo.write(
        ".github/workflows/grantlint.yml",
        "on: push\njobs: {lint: {runs-on: ubuntu-latest, steps: []}}\n",
    );
    let changed = [
        "grantlint.yaml",
        "people.yaml",
        "package.json",
        "exports/current.draft.csv",
        "scratch/notes.csv",
        ".github/workflows/grantlint.yml",
    ];
    let out = repo.run(&[&["check", "--from-hook"][..], &changed].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing to check: 6 files named"),
        "{}",
        stderr(&out)
    );
    // With an export among them, only the export is checked.
    let (code, report) =
        repo.json(&[&["--from-hook", "exports/current.csv"][..], &changed].concat());
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["files"], 1);
    // Without the flag, every file named is read: the draft fails the run.
    let (code, _) = repo.json(&["exports/current.draft.csv"]);
    assert_eq!(code, 1);
}

#[test]
fn the_pre_commit_hook_uses_from_hook_and_skips_grantlints_own_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hooks: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap(),
    )
    .unwrap();
    let hook = &hooks[0];
    assert_eq!(hook["entry"], "grantlint check --from-hook");
    // pre-commit matches with Python's `re.search`; these patterns read the same in `regex`.
    let files = regex::Regex::new(hook["files"].as_str().unwrap()).unwrap();
    let exclude = regex::Regex::new(hook["exclude"].as_str().unwrap()).unwrap();
    let fires = |path: &str| files.is_match(path) && !exclude.is_match(path);
    for path in ["exports/grants.csv", "grants.yaml", "a/b/teleport.jsonl"] {
        assert!(fires(path), "{path}");
    }
    for path in [
        "grantlint.yaml",
        "team/.grantlint.yaml",
        ".github/workflows/ci.yml",
        "policy-tests/case.expect.yaml",
        "package.json",
        "web/package-lock.json",
        "node_modules/x/data.json",
        "Cargo.toml",
    ] {
        assert!(!fires(path), "{path}");
    }
}

#[test]
fn nothing_to_check_is_exit_2_naming_the_paths_and_what_was_left_out() {
    let repo = Repo::new();
    std::fs::create_dir(repo.path("empty")).unwrap();
    let out = repo.run(&["check", "empty"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no grant exports found in `empty` (searched 0 files)"),
        "{}",
        stderr(&out)
    );

    repo.write(
        "grantlint.yaml",
        "version: 1\npeople: people.yaml\ninputs: {exclude: [old]}\n",
    )
    .write("people.yaml", "- {name: Dana Whitfield}\n")
    .write("old/2025.csv", &format!("{HEADER}{}", clean("SUP-1")))
    .write("notes.txt", "not an export\n")
    .write("package.json", "{}\n");
    for command in ["check", "report"] {
        let out = repo.run(&[command, "."]);
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(
                "no grant exports found in `.` (searched 5 files: 2 grantlint's own, 1 tools' files, not grants exports, 1 excluded by --exclude or the policy's `inputs.exclude`, 1 not .yaml, .yml, .csv, .json or .jsonl)"
            ),
            "{command}: {}",
            stderr(&out)
        );
    }
    // --from-hook does not make an empty folder pass.
    let out = repo.run(&["check", "--from-hook", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
