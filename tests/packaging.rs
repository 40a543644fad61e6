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
