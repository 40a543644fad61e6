//! What grantlint ships besides the binary, each held to its real rules: the JSON Schemas of
//! the JSON reports (generated from the types, and real outputs valid against them).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, grantlint};

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json_file(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The schema's errors for `instance`, each with the place in the document it is about;
/// `format`s (date-time, date) are checked too, not only noted.
fn violations(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// JSON Schemas of the reports
// ---------------------------------------------------------------------------------------

const CHECK_SCHEMA: &str = "docs/schemas/check-report.schema.json";
const REVIEW_SCHEMA: &str = "docs/schemas/review-report.schema.json";

/// docs/schemas/ holds what the types generate; `UPDATE_GENERATED=1 cargo test --test
/// packaging` rewrites it after a deliberate change of a report's shape.
#[test]
fn committed_report_schemas_are_what_the_types_generate() {
    let update = std::env::var_os("UPDATE_GENERATED").is_some_and(|v| v == "1");
    for (path, fresh) in [
        (
            CHECK_SCHEMA,
            grantlint::report::json::schema::check_report(),
        ),
        (REVIEW_SCHEMA, grantlint::review::json::schema()),
    ] {
        let full = root().join(path);
        if update {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(&full).unwrap_or_default();
        assert!(
            committed == fresh,
            "{path} differs from what the report types generate; run \
             `UPDATE_GENERATED=1 cargo test --locked --test packaging` and commit it"
        );
    }
}

#[test]
fn report_schemas_are_valid_draft_2020_12_with_distinct_ids_and_versions() {
    let check = json_file(CHECK_SCHEMA);
    let review = json_file(REVIEW_SCHEMA);
    for schema in [&check, &review] {
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        // The meta-schema accepts it, and it compiles.
        assert!(jsonschema::meta::is_valid(schema), "{schema}");
        jsonschema::validator_for(schema).unwrap();
        assert_eq!(schema["properties"]["version"]["const"], 1);
    }
    assert_eq!(
        check["$id"],
        "https://grantlint.dev/schemas/check-report/v1.schema.json"
    );
    assert_eq!(
        review["$id"],
        "https://grantlint.dev/schemas/review-report/v1.schema.json"
    );
    // Each report is told from the other by its schema: neither one's output passes the other.
    let (_, report) = common::json(&["fixtures/samples/"]);
    assert!(violations(&check, &report).is_empty());
    assert!(!violations(&review, &report).is_empty());
    assert!(!violations(&check, &review_of(&["fixtures/samples/"])).is_empty());
}

/// `report --format json --now NOW ARGS`, parsed.
fn review_of(args: &[&str]) -> Value {
    let mut all = vec!["report", "--format", "json", "--now", NOW];
    all.extend_from_slice(args);
    let out = grantlint(&all);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    })
}

/// Every part of the check report the fast writer (src/report/json/findings.rs) and serde
/// write: findings, suppressed findings (waivers and a baseline), input errors, the column
/// maps of a CSV, hidden findings, the baseline summary with stale entries.
#[test]
fn real_check_reports_are_valid_against_the_check_schema() {
    let schema = json_file(CHECK_SCHEMA);
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let unreadable = dir.path().join("broken.yaml");
    std::fs::write(&unreadable, "grants: [\n  {id: 1\n").unwrap();
    let unreadable = unreadable.to_str().unwrap();
    // A baseline of the samples, so a run over other grants has stale entries.
    let out = grantlint(&[
        "check",
        "--now",
        NOW,
        "fixtures/samples/",
        "--write-baseline",
        baseline,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));

    let runs: [&[&str]; 7] = [
        &["fixtures/samples/"],
        &["fixtures/messy/helpdesk.csv"],
        &[
            "fixtures/ci/grants.yaml",
            "--policy",
            "fixtures/ci/policy-waivers.yaml",
        ],
        &["fixtures/ci/grants.yaml", "--baseline", baseline],
        &["fixtures/samples/", "--min-severity", "error"],
        &["fixtures/samples/grants.yaml", unreadable],
        &["fixtures/teleport/"],
    ];
    let mut seen = std::collections::BTreeSet::new();
    for args in runs {
        let (_, report) = common::json(args);
        let found = violations(&schema, &report);
        assert!(found.is_empty(), "{args:?}: {found:?}");
        seen.extend(report.as_object().unwrap().keys().cloned());
        seen.extend(report["summary"].as_object().unwrap().keys().cloned());
    }
    // The runs above reach every optional part of the report.
    for key in [
        "suppressed",
        "errors",
        "inputs",
        "hidden",
        "baseline",
        "skipped",
    ] {
        assert!(seen.contains(key), "no run wrote `{key}`: {seen:?}");
    }
}

/// The schema says what a report must hold: a report that lost a key, or carries a wrong
/// severity, fails it, so the tests above can fail.
#[test]
fn the_check_schema_refuses_a_report_that_breaks_the_contract() {
    let schema = json_file(CHECK_SCHEMA);
    let (_, report) = common::json(&["fixtures/samples/"]);
    assert!(violations(&schema, &report).is_empty());

    let mut broken = report.clone();
    broken["findings"][0]
        .as_object_mut()
        .unwrap()
        .remove("rule");
    assert!(!violations(&schema, &broken).is_empty());

    let mut broken = report.clone();
    broken["findings"][0]["severity"] = "critical".into();
    assert!(!violations(&schema, &broken).is_empty());

    let mut broken = report.clone();
    broken["now"] = "24/11/2026".into();
    assert!(!violations(&schema, &broken).is_empty());

    let mut broken = report;
    broken["version"] = 2.into();
    assert!(!violations(&schema, &broken).is_empty());
}

#[test]
fn real_reviews_are_valid_against_the_review_schema() {
    let schema = json_file(REVIEW_SCHEMA);
    let mut inputs: Vec<PathBuf> = vec![root().join("fixtures/samples")];
    for entry in std::fs::read_dir(root().join("fixtures/review")).unwrap() {
        inputs.push(entry.unwrap().path());
    }
    for input in inputs {
        let review = review_of(&[input.to_str().unwrap()]);
        let found = violations(&schema, &review);
        assert!(found.is_empty(), "{}: {found:?}", input.display());
    }
    let mut broken = review_of(&["fixtures/samples/"]);
    broken["headline"]["result"] = "green".into();
    assert!(!violations(&schema, &broken).is_empty());
}

// ---------------------------------------------------------------------------------------
// Man pages and shell completions
// ---------------------------------------------------------------------------------------

/// The page names the command line implies, found from clap itself: `grantlint`, then
/// `grantlint-check`, `grantlint-policy-show`, … for every subcommand at every depth.
fn expected_pages() -> Vec<String> {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, name: String, out: &mut Vec<String>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, format!("{name}-{}", sub.get_name()), out);
        }
        out.push(name);
    }
    let mut out = Vec::new();
    walk(
        &grantlint::cli::Cli::command(),
        "grantlint".into(),
        &mut out,
    );
    out
}

/// `man -l PAGE` as a reader sees it, with groff's warnings on; None when man is not
/// installed (the roff is then checked by `roff_is_well_formed` alone).
fn man_render(page: &Path) -> Option<(bool, String, String)> {
    let out = std::process::Command::new("man")
        .args(["--warnings", "-l"])
        .arg(page)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .ok()?;
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Every request line is one of the man macros clap_mangen and grantlint write, and the page
/// opens with `.TH`.
fn roff_is_well_formed(name: &str, roff: &str) {
    assert!(
        roff.contains("\n.TH "),
        "{name}: {}",
        &roff[..40.min(roff.len())]
    );
    for line in roff.lines().filter(|l| l.starts_with('.')) {
        let request = line[1..].split_whitespace().next().unwrap_or("");
        assert!(
            [
                "TH", "SH", "SS", "TP", "PP", "IP", "RS", "RE", "B", "I", "br", "sp", "ie", "el",
                "nh", "ad", "ds", "if", "nr", "fi", "nf", "EX", "EE", "\\\"",
            ]
            .contains(&request),
            "{name}: unknown request `{line}`"
        );
    }
}

#[test]
fn man_dir_writes_a_page_per_subcommand_with_exit_status_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = grantlint(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let mut written: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut expected: Vec<String> = expected_pages().iter().map(|p| format!("{p}.1")).collect();
    expected.sort();
    assert_eq!(written, expected);
    assert!(written.contains(&"grantlint-check.1".to_string()));
    assert!(written.contains(&"grantlint-policy-show.1".to_string()));

    for name in &written {
        let path = dir.path().join(name);
        let roff = std::fs::read_to_string(&path).unwrap();
        roff_is_well_formed(name, &roff);
        assert!(roff.contains(".SH \"EXIT STATUS\""), "{name}");
        // Every page another names exists.
        for (at, _) in roff.match_indices("\\fBgrantlint-") {
            let tail = &roff[at + 3..];
            let referenced = &tail[..tail.find("\\fR").unwrap()];
            assert!(
                written.contains(&format!("{}.1", referenced.replace("\\-", "-"))),
                "{name} names {referenced}(1), which is not written"
            );
        }
        if let Some((ok, text, warnings)) = man_render(&path) {
            assert!(ok, "{name}: man failed: {warnings}");
            assert!(warnings.trim().is_empty(), "{name}: {warnings}");
            assert!(text.contains("EXIT STATUS"), "{name}: {text}");
            assert!(text.contains("SYNOPSIS"), "{name}: {text}");
        }
    }

    let check = std::fs::read_to_string(dir.path().join("grantlint-check.1")).unwrap();
    let rendered = man_render(&dir.path().join("grantlint-check.1"))
        .map(|(_, text, _)| text)
        .unwrap_or_else(|| {
            check
                .replace("\\-", "-")
                .replace("\\fB", "")
                .replace("\\fR", "")
        });
    // DESIGN.md's exit codes, and what the environment changes.
    for said in [
        "no finding at or above --fail-on",
        "at least one finding at or above --fail-on",
        "could not run",
        "ENVIRONMENT",
        "NO_COLOR",
        "CI",
        "GITHUB_STEP_SUMMARY",
        "grantlint(1)",
    ] {
        assert!(
            rendered.contains(said),
            "grantlint-check(1) lacks {said}:\n{rendered}"
        );
    }
    // `report` never fails on findings: its page says so rather than copying check's codes.
    let report = std::fs::read_to_string(dir.path().join("grantlint-report.1")).unwrap();
    assert!(report.contains("whatever its headline says"));
    assert!(!report.contains("at least one finding"));

    // Without --dir: the top page, on standard output, as before.
    let top = grantlint(&["man"]);
    assert_eq!(top.status.code(), Some(0));
    assert_eq!(
        top.stdout,
        std::fs::read(dir.path().join("grantlint.1")).unwrap()
    );
}

/// Every environment variable src/ reads is in the man pages' ENVIRONMENT section.
#[test]
fn every_environment_variable_grantlint_reads_is_documented() {
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(&root().join("src"), &mut files);
    let documented: Vec<&str> = grantlint::commands::docs::ENVIRONMENT
        .iter()
        .map(|(name, _)| *name)
        .collect();
    let mut read = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for call in ["var_os(\"", "env::var(\""] {
            for (at, _) in text.match_indices(call) {
                let name = &text[at + call.len()..];
                let name = &name[..name.find('"').unwrap()];
                read.push(name.to_string());
                assert!(
                    documented.contains(&name),
                    "{} reads ${name}, which the man pages' ENVIRONMENT does not name",
                    file.display()
                );
            }
        }
    }
    assert!(read.iter().any(|n| n == "NO_COLOR"), "{read:?}");
}

/// Every built-in rule and finding id, and every source system's name.
fn ids_and_sources() -> Vec<String> {
    let mut names: Vec<String> = grantlint::rules::findings()
        .map(|f| f.id.to_string())
        .collect();
    assert!(names.len() > 10);
    for source in grantlint::load::adapters::Source::ALL {
        use clap::ValueEnum;
        names.push(source.to_possible_value().unwrap().get_name().to_string());
    }
    names
}

#[test]
fn bash_completes_rule_ids_for_explain_and_systems_for_source() {
    let script = common::stdout(&grantlint(&["completions", "bash"]));
    for name in ids_and_sources() {
        assert!(script.contains(&name), "the bash script lacks {name}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grantlint.bash");
    std::fs::write(&path, &script).unwrap();
    // bash parses it.
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // And completes with it, as bash-completion calls the function: command, word, previous.
    let complete = |words: &str, current: usize, word: &str, previous: &str| {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={current}; \
             _grantlint grantlint '{word}' '{previous}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &program])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let rules = complete("grantlint explain win", 2, "win", "explain");
    assert_eq!(
        rules.lines().collect::<Vec<_>>(),
        ["window-max", "window-total-max"]
    );
    let all = complete("grantlint explain ''", 2, "", "explain");
    for f in grantlint::rules::findings() {
        assert!(
            all.lines().any(|l| l == f.id),
            "{} not offered: {all}",
            f.id
        );
    }
    let sources = complete("grantlint check --source ''", 3, "", "--source");
    assert!(sources.lines().any(|l| l == "teleport"), "{sources}");
    // Every native export and every configuration kind.
    assert_eq!(
        sources.lines().count(),
        grantlint::load::adapters::Source::ALL.len()
            + grantlint::load::adapters::Source::CONFIG.len()
    );
}

/// zsh and fish: their scripts name every id, and parse when the shell is installed.
#[test]
fn zsh_and_fish_completions_name_every_rule_and_system() {
    for (shell, check) in [("zsh", "-n"), ("fish", "--no-execute")] {
        let script = common::stdout(&grantlint(&["completions", shell]));
        for name in ids_and_sources() {
            assert!(script.contains(&name), "the {shell} script lacks {name}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("grantlint.{shell}"));
        std::fs::write(&path, &script).unwrap();
        if let Ok(out) = std::process::Command::new(shell)
            .arg(check)
            .arg(&path)
            .output()
        {
            assert!(
                out.status.success(),
                "{shell}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// fish completes `explain win` from the script, as a user's Tab would (when installed).
#[test]
fn fish_completes_rule_ids_for_explain() {
    let script = common::stdout(&grantlint(&["completions", "fish"]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grantlint.fish");
    std::fs::write(&path, &script).unwrap();
    let program = format!(
        "source {}; complete -C 'grantlint explain win'; complete -C 'grantlint check --source g'",
        path.display()
    );
    let Ok(out) = std::process::Command::new("fish")
        .args(["--no-config", "-c", &program])
        .output()
    else {
        return; // fish is not installed: the test above checked the script's text.
    };
    let offered: Vec<&str> = std::str::from_utf8(&out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(
        offered,
        [
            "window-max",
            "window-total-max",
            "gcp-pam",
            "gcp-pam-entitlement"
        ],
        "{out:?}"
    );
}

// ---------------------------------------------------------------------------------------
// The GitHub Action, the GitLab CI template, the pre-commit hook, the container
// ---------------------------------------------------------------------------------------

const ACTION: &str = "action.yml";
const GITLAB: &str = ".ci/gitlab/grantlint.gitlab-ci.yml";
const DOCKERFILE: &str = ".ci/docker/Dockerfile";

fn yaml_file(path: &str) -> Value {
    serde_saphyr::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A vendored schema (tests/schemas/README.md names each one's source).
fn vendored(name: &str) -> Value {
    json_file(&format!("tests/schemas/{name}"))
}

#[test]
fn the_action_and_the_hooks_file_are_valid_against_schemastore() {
    for (file, schema) in [
        (ACTION, "github-action.json"),
        (".pre-commit-hooks.yaml", "pre-commit-hooks.json"),
        (GITLAB, "gitlab-ci.json"),
    ] {
        let found = violations(&vendored(schema), &yaml_file(file));
        assert!(found.is_empty(), "{file} against {schema}: {found:?}");
    }
    // The schemas can fail: an action without `runs`, a job with an unknown key.
    let mut broken = yaml_file(ACTION);
    broken.as_object_mut().unwrap().remove("runs");
    assert!(!violations(&vendored("github-action.json"), &broken).is_empty());
    let mut broken = yaml_file(GITLAB);
    broken["grantlint"]["artifact"] = Value::Bool(true);
    assert!(!violations(&vendored("gitlab-ci.json"), &broken).is_empty());
}

/// The steps of the action: pinned to a version, inputs reaching scripts through `env:`
/// only (a `${{ }}` inside `run:` would let a path or policy name inject commands).
#[test]
fn the_action_pins_what_it_uses_and_never_pastes_inputs_into_scripts() {
    let action = yaml_file(ACTION);
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    for used in &uses {
        let (_, version) = used
            .split_once('@')
            .unwrap_or_else(|| panic!("{used} unpinned"));
        assert!(!version.is_empty() && version != "master", "{used}");
    }
    assert!(
        uses.iter().any(|u| u.starts_with("actions/cache/restore@")),
        "{uses:?}"
    );
    assert!(
        uses.iter()
            .any(|u| u.starts_with("github/codeql-action/upload-sarif@")),
        "{uses:?}"
    );
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            assert!(!run.contains("${{"), "{}: {run}", step["name"]);
            assert_eq!(step["shell"], "bash", "{}", step["name"]);
        }
    }
    // Every input a step reads is declared, and every declared input is read.
    let text = read(ACTION);
    let declared: Vec<&String> = action["inputs"].as_object().unwrap().keys().collect();
    for (at, _) in text.match_indices("inputs.") {
        let name: String = text[at + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        assert!(
            declared.iter().any(|d| **d == name),
            "inputs.{name} is not declared"
        );
    }
    for name in declared {
        assert!(
            text.contains(&format!("inputs.{name}")),
            "input {name} is never used"
        );
    }
}

/// A fake runner for one step's script: `HOME` with grantlint installed where the action
/// installs it, `GITHUB_OUTPUT`, and each `${{ inputs.NAME }}` of the step's `env:` given the
/// input's default or `inputs`' value.
struct Runner {
    home: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let home = tempfile::tempdir().unwrap();
        let bin = home.path().join(".grantlint/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_grantlint"), bin.join("grantlint")).unwrap();
        Runner { home }
    }

    fn path(&self) -> String {
        format!(
            "{}:{}",
            self.home.path().join(".grantlint/bin").display(),
            std::env::var("PATH").unwrap()
        )
    }

    /// Runs the step with id `id` as GitHub does (`bash --noprofile --norc -eo pipefail`):
    /// its exit code and what it wrote to GITHUB_OUTPUT.
    fn step(&self, id: &str, inputs: &[(&str, &str)], extra_env: &[(&str, &str)]) -> (i32, String) {
        let action = yaml_file(ACTION);
        let step = action["runs"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()
            .clone();
        let input = |name: &str| -> String {
            inputs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
                .unwrap_or_else(|| {
                    action["inputs"][name]["default"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
        };
        let output = self.home.path().join("github_output");
        std::fs::write(&output, "").unwrap();
        let mut command = std::process::Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
            .arg(step["run"].as_str().unwrap())
            .current_dir(root().join(input("working-directory")))
            .env("HOME", self.home.path())
            .env("PATH", self.path())
            .env("GITHUB_OUTPUT", &output)
            .env_remove("GITHUB_STEP_SUMMARY");
        for (name, value) in step["env"].as_object().into_iter().flatten() {
            let value = value.as_str().unwrap();
            let resolved = match value
                .strip_prefix("${{ inputs.")
                .and_then(|v| v.strip_suffix(" }}"))
            {
                Some(name) => input(name),
                None => value.to_string(),
            };
            command.env(name, resolved);
        }
        for (name, value) in extra_env {
            command.env(name, value);
        }
        let out = command.output().unwrap();
        let code = out.status.code().unwrap();
        assert!(
            code == 0 || id == "fail",
            "step {id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (code, std::fs::read_to_string(&output).unwrap())
    }
}

#[test]
fn the_actions_check_step_runs_grantlint_with_its_inputs() {
    let runner = Runner::new();
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let sarif = sarif.to_str().unwrap();

    // The samples break the policy on purpose: exit 1 recorded, the step itself passes so
    // the SARIF is uploaded before the job fails.
    let (_, output) = runner.step(
        "check",
        &[
            (
                "paths",
                "fixtures/samples/grants.yaml\nfixtures/samples/tickets.csv",
            ),
            ("sarif-file", sarif),
            ("args", "--now 2026-11-24T12:00:00Z"),
        ],
        &[],
    );
    assert!(output.contains("exit-code=1\n"), "{output}");
    assert!(
        output.contains(&format!("sarif-file={sarif}\n")),
        "{output}"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(sarif).unwrap()).unwrap();
    let uris: std::collections::BTreeSet<&str> = report["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    // Both paths of the multi-line input were read.
    assert!(uris.iter().any(|u| u.ends_with("grants.yaml")), "{uris:?}");
    assert!(uris.iter().any(|u| u.ends_with("tickets.csv")), "{uris:?}");

    // fail-on never: exit 0; sarif off: no report, nothing to upload.
    std::fs::remove_file(sarif).unwrap();
    let (_, output) = runner.step(
        "check",
        &[
            ("paths", "fixtures/samples/"),
            ("sarif-file", sarif),
            ("sarif", "false"),
            ("fail-on", "never"),
        ],
        &[],
    );
    assert!(output.contains("exit-code=0\n"), "{output}");
    assert!(!output.contains("sarif-file="), "{output}");
    assert!(!Path::new(sarif).exists());

    // A policy that does not exist: grantlint cannot run, exit 2 recorded.
    let (_, output) = runner.step(
        "check",
        &[
            ("paths", "fixtures/samples/"),
            ("sarif-file", sarif),
            ("policy", "no-such-policy.yaml"),
        ],
        &[],
    );
    assert!(output.contains("exit-code=2\n"), "{output}");

    // The last step fails the job with grantlint's code.
    assert_eq!(runner.step("fail", &[], &[("CODE", "1")]).0, 1);
    assert_eq!(runner.step("fail", &[], &[("CODE", "2")]).0, 2);
}

#[test]
fn the_gitlab_templates_script_writes_code_quality_and_junit() {
    let template = yaml_file(GITLAB);
    let job = &template[".grantlint"];
    assert_eq!(template["grantlint"]["extends"], ".grantlint");
    let reports = &job["artifacts"]["reports"];
    assert_eq!(job["artifacts"]["when"], "always");
    assert_eq!(reports["codequality"], "gl-code-quality.json");
    assert_eq!(reports["junit"], "grantlint.xml");
    assert_eq!(reports["sast"], "gl-sast-report.json");
    let install = job["before_script"][0].as_str().unwrap();
    assert!(install.contains("cargo install --locked"), "{install}");
    // The cache keeps CARGO_HOME's installed binary and its record of what was installed,
    // so `cargo install` skips the build while the ref has not moved.
    let cached: Vec<&str> = job["cache"]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    // Saved when findings fail the job too (GitLab's default is on_success).
    assert_eq!(job["cache"]["when"], "always");
    let home = job["variables"]["CARGO_HOME"].as_str().unwrap();
    let home = home.strip_prefix("$CI_PROJECT_DIR/").unwrap();
    for kept in ["bin/", ".crates.toml", ".crates2.json"] {
        assert!(
            cached.contains(&format!("{home}/{kept}").as_str()),
            "{cached:?}"
        );
    }

    // The script, as the runner runs it: one bash, every line in turn, stopping at a failure.
    let runner = Runner::new();
    let project = tempfile::tempdir().unwrap();
    let exports = project.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    for file in ["grants.yaml", "tickets.csv"] {
        std::fs::copy(
            root().join("fixtures/samples").join(file),
            exports.join(file),
        )
        .unwrap();
    }
    let script: Vec<&str> = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let mut command = std::process::Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(script.join("\n"))
        .current_dir(project.path())
        .env("PATH", runner.path())
        .env("CI_PROJECT_DIR", project.path());
    for (name, value) in job["variables"].as_object().unwrap() {
        command.env(name, value.as_str().unwrap());
    }
    command.env("GRANTLINT_PATHS", "exports/");
    let out = command.output().unwrap();
    // Findings fail the job, and the reports are written for GitLab to show.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let quality: Value = serde_json::from_str(
        &std::fs::read_to_string(project.path().join("gl-code-quality.json")).unwrap(),
    )
    .unwrap();
    assert!(!quality.as_array().unwrap().is_empty());
    let junit = std::fs::read_to_string(project.path().join("grantlint.xml")).unwrap();
    assert!(junit.contains("<testsuites"), "{junit}");
    // The SAST report comes from the grantlint versions that have the format.
    let has_sast = common::stdout(&grantlint(&["check", "--help"])).contains("gitlab-sast");
    assert_eq!(
        project.path().join("gl-sast-report.json").exists(),
        has_sast
    );
}

/// The Dockerfile, linted for what a reviewer would check (no Docker daemon in CI): two
/// stages, pinned bases, a `--locked` release build, a non-root user, no remote ADD, and
/// every file it copies present.
#[test]
fn the_dockerfile_builds_locked_and_runs_unprivileged() {
    let text = read(DOCKERFILE);
    let instructions: Vec<(String, String)> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (op, rest) = l.split_once(' ').unwrap_or((l, ""));
            (op.to_ascii_uppercase(), rest.trim().to_string())
        })
        .collect();
    let of = |op: &str| -> Vec<&str> {
        instructions
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, r)| r.as_str())
            .collect()
    };
    let bases = of("FROM");
    assert_eq!(
        bases.len(),
        2,
        "a build stage and a runtime stage: {bases:?}"
    );
    for base in &bases {
        let image = base.split_whitespace().next().unwrap();
        let (_, tag) = image
            .split_once(':')
            .unwrap_or_else(|| panic!("{image}: no tag"));
        assert!(
            tag != "latest" && tag.contains('-'),
            "{image}: pin a version and a release"
        );
    }
    assert!(bases[0].ends_with("AS build"), "{}", bases[0]);
    assert!(
        bases[1].contains("slim") || bases[1].contains("distroless"),
        "{}",
        bases[1]
    );
    // Built and run on the same Debian release, so the binary finds its C library.
    let release = |base: &str| {
        base.split(['-', ' ', ':'])
            .find(|p| ["bookworm", "trixie"].contains(p))
            .map(str::to_string)
    };
    assert_eq!(release(bases[0]), release(bases[1]));
    assert!(release(bases[0]).is_some(), "{bases:?}");

    let builds: Vec<&str> = of("RUN")
        .into_iter()
        .filter(|r| r.contains("cargo build"))
        .collect();
    assert_eq!(builds.len(), 1);
    assert!(
        builds[0].contains("--locked") && builds[0].contains("--release"),
        "{}",
        builds[0]
    );
    assert!(
        of("ADD").is_empty(),
        "COPY, never ADD (no remote URLs, no archives)"
    );
    // The runtime stage's user is not root, and comes after everything that needs root.
    let users = of("USER");
    let user = users.last().expect("a USER");
    let id = user.split(':').next().unwrap();
    assert!(id != "root" && id != "0", "{user}");
    let last_user = instructions.iter().rposition(|(o, _)| o == "USER").unwrap();
    let last_from = instructions.iter().rposition(|(o, _)| o == "FROM").unwrap();
    assert!(last_user > last_from);
    assert!(!instructions[last_user..].iter().any(|(o, _)| o == "RUN"));
    assert_eq!(of("ENTRYPOINT"), ["[\"grantlint\"]"]);
    assert_eq!(of("WORKDIR").last(), Some(&"/work"));

    // Every file the build stage copies from the checkout exists, and together they are
    // what cargo needs: the manifest's targets and the files the code includes.
    for copy in of("COPY").into_iter().filter(|c| !c.starts_with("--from")) {
        let words: Vec<&str> = copy.split_whitespace().collect();
        for source in &words[..words.len() - 1] {
            assert!(
                root().join(source).exists(),
                "COPY {source}: not in the checkout"
            );
        }
    }
    let copied = of("COPY").join(" ");
    for needed in ["Cargo.toml", "Cargo.lock", "src", "policies", "benches"] {
        assert!(copied.contains(needed), "the build needs {needed}");
    }
}
