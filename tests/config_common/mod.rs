//! What the configuration tests (tests/config_*.rs) share: expected findings, a window-max
//! finding as every output format carries it, and the explain page docs/config.md must show.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::{NOW, grantlint, stdout};

/// (rule, grant, line, column) rows, as `common::placed_findings` gives them.
pub fn owned(list: &[(&str, &str, u64, u64)]) -> Vec<(String, String, u64, u64)> {
    list.iter()
        .map(|(r, g, l, c)| (r.to_string(), g.to_string(), *l, *c))
        .collect()
}

/// `check --source SOURCE --format FORMAT file` (the source only for `.tf` files, which are
/// not recognised by shape): it fails, and its report is returned.
pub fn failing_report(format: &str, source: Option<&str>, file: &str) -> String {
    let mut args = vec!["check", "--now", NOW, "--format", format];
    if let Some(source) = source {
        args.extend(["--source", source]);
    }
    args.push(file);
    let out = grantlint(&args);
    assert_eq!(out.status.code(), Some(1), "{format}");
    stdout(&out)
}

/// Checks `file` in every format: each names `object` and carries the window-max finding of
/// `grant` at `line:column`.
pub fn every_format_carries(file: &str, object: &str, grant: &str, line: u64, column: u64) {
    let base = file.rsplit('/').next().unwrap();
    for format in ["text", "github", "gitlab", "junit", "sarif", "csv"] {
        let out = grantlint(&["check", "--now", NOW, "--format", format, file]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = stdout(&out);
        assert!(
            text.contains(object),
            "{format} does not name {object}:\n{text}"
        );
        let place = match format {
            "text" => format!("{base}:{line}:{column}"),
            "github" => format!("line={line},endLine={line},col={column},"),
            "gitlab" => format!("\"begin\": {line}"),
            "junit" => format!("{base}:{line}:{column}: error[window-max]"),
            "sarif" => format!("\"startLine\": {line}"),
            _ => format!("{base},{line},{column},error,window-max,{grant}"),
        };
        assert!(text.contains(&place), "{format} lacks `{place}`:\n{text}");
    }
}

/// `explain --source kind` names `keys`, and docs/config.md shows the page as it is.
pub fn explain_is_documented(kind: &str, keys: &[&str]) {
    let out = grantlint(&["explain", "--source", kind]);
    assert_eq!(out.status.code(), Some(0));
    let docs = stdout(&out);
    for key in keys {
        assert!(docs.contains(key), "{docs}");
    }
    let page =
        std::fs::read_to_string(format!("{}/docs/config.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(
        page.contains(&docs),
        "docs/config.md is missing the current page; paste `grantlint explain --source {kind}`:\n{docs}"
    );
}

/// A finding (rule, grant, line, column, message), or an input error (`error`, no grant).
pub type Outcome = (String, String, u64, u64, String);

/// The fixture `file` with each `from`, which it holds, written as its `to`.
pub fn fixture_with(file: &str, edits: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(file).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{file} lacks {from}");
        text = text.replacen(from, to, 1);
    }
    text
}

/// The one input error a `.tf` file holding `tf` stops with, as (line, column, message): the
/// file is not judged, so none of its objects passes or is blamed.
pub fn tf_input_error(source: &str, tf: &str) -> (u64, u64, String) {
    tf_input_error_under(None, source, tf)
}

/// [`tf_input_error`] under the policy `policy` (YAML text), else the default one.
pub fn tf_input_error_under(policy: Option<&str>, source: &str, tf: &str) -> (u64, u64, String) {
    let (code, outcome) = tf_outcome_under(policy, source, tf);
    one_error(code, &outcome, tf)
}

/// The plan `file` with its last `from` (a value of `after`) written as `to`, and its first
/// `marked` (in `after_unknown`) as `unknown`, each over as many lines: under `policy` it
/// stops with one input error, returned as (line, column, message); under the default
/// policy it is judged as the fixture is.
pub fn plan_unknown_error(
    file: &str,
    policy: &str,
    (from, to): (&str, &str),
    (marked, unknown): (&str, &str),
) -> (u64, u64, String) {
    let fixture = std::fs::read_to_string(file).unwrap();
    let at = fixture.rfind(from).unwrap();
    let rest = &fixture[at + from.len()..];
    let plan = format!("{}{to}{rest}", &fixture[..at]);
    assert!(plan.contains(marked), "{file} lacks {marked}");
    let plan = plan.replacen(marked, unknown, 1);
    let (_, before) = outcome_of(None, None, "plan.json", &fixture);
    assert_eq!(outcome_of(None, None, "plan.json", &plan), (1, before));
    let (code, outcome) = outcome_of(Some(policy), None, "plan.json", &plan);
    one_error(code, &outcome, &plan)
}

/// The one input error of a run that stopped with exit code 2.
fn one_error(code: i32, outcome: &[Outcome], input: &str) -> (u64, u64, String) {
    assert_eq!(code, 2, "{input}");
    match outcome {
        [(kind, _, line, column, message)] if kind == "error" => (*line, *column, message.clone()),
        _ => panic!("not one error: {outcome:?}"),
    }
}

/// `check --format json --source SOURCE` of a `.tf` file holding `tf`: its exit code and its
/// findings as `placed_findings` gives them with their messages, or its input errors as
/// (line, column, message).
pub fn tf_outcome(source: &str, tf: &str) -> (i32, Vec<Outcome>) {
    tf_outcome_under(None, source, tf)
}

/// [`tf_outcome`] under the policy `policy` (YAML text), else the default one.
pub fn tf_outcome_under(policy: Option<&str>, source: &str, tf: &str) -> (i32, Vec<Outcome>) {
    outcome_of(policy, Some(source), "main.tf", tf)
}

/// [`tf_outcome_under`] of a file `name` holding `text`, recognised by its shape when no
/// source is given (a plan).
pub fn outcome_of(
    policy: Option<&str>,
    source: Option<&str>,
    name: &str,
    text: &str,
) -> (i32, Vec<Outcome>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let policy_path = dir.path().join("grantlint.yaml");
    let mut args = Vec::new();
    if let Some(source) = source {
        args.extend(["--source", source]);
    }
    if let Some(policy) = policy {
        std::fs::write(&policy_path, policy).unwrap();
        args.extend(["--policy", policy_path.to_str().unwrap()]);
    }
    args.push(path.to_str().unwrap());
    let (code, report) = crate::common::json(&args);
    let rows = |key: &str| -> Vec<serde_json::Value> {
        report[key].as_array().cloned().unwrap_or_default()
    };
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mut outcome: Vec<_> = rows("findings")
        .iter()
        .map(|f| {
            let (line, column) = (f["line"].as_u64(), f["column"].as_u64());
            let (line, column) = (line.unwrap(), column.unwrap());
            (
                text(&f["rule"]),
                text(&f["grant"]),
                line,
                column,
                text(&f["message"]),
            )
        })
        .collect();
    for e in rows("errors") {
        let (line, column) = (e["line"].as_u64().unwrap(), e["column"].as_u64().unwrap());
        outcome.push((
            "error".into(),
            String::new(),
            line,
            column,
            text(&e["message"]),
        ));
    }
    (code, outcome)
}
