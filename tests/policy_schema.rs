//! docs/policy.schema.json is kept in step with the code: every policy shipped validates
//! against it, and every rule and setting the code knows is in it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join("docs/policy.schema.json")).unwrap())
        .unwrap()
}

fn yaml(path: &Path) -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn policy_files(folder: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            // A policy test suite holds exports and expectations beside its one policy; so
            // does each worked example's folder.
            if path.file_name().is_some_and(|n| n == "tests")
                || path.join("grantlint.yaml").is_file()
            {
                out.push(path.join("grantlint.yaml"));
            } else {
                policy_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn errors(validator: &jsonschema::Validator, policy: &Value) -> Vec<String> {
    validator
        .iter_errors(policy)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_shipped_policy_validates_against_the_schema_and_loads() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let mut files = Vec::new();
    policy_files(&root().join("policies"), &mut files);
    policy_files(&root().join("fixtures/policies"), &mut files);
    files.push(root().join("fixtures/ci/policy-waivers.yaml"));
    files.push(root().join("fixtures/sources/mapped/policy.yaml"));
    assert!(files.len() >= 4, "{files:?}");
    for path in files {
        let found = errors(&validator, &yaml(&path));
        assert!(found.is_empty(), "{}: {found:?}", path.display());
        if let Err(e) = grantlint::policy::Policy::load(Some(&path)) {
            panic!("{}: {:?}", path.display(), e.errors);
        }
    }
}

#[test]
fn the_schema_names_every_rule_and_every_default_setting() {
    let schema = schema();
    let rules = &schema["$defs"]["rules"]["properties"];
    let default: Value = serde_saphyr::from_str(grantlint::policy::DEFAULT_POLICY).unwrap();
    for meta in grantlint::rules::REGISTRY {
        let rule = &rules[meta.id];
        assert!(rule.is_object(), "the schema lacks rule {}", meta.id);
        let settings = &rule["oneOf"][1]["properties"];
        for key in default["rules"][meta.id].as_object().unwrap().keys() {
            assert!(
                settings[key].is_object(),
                "the schema lacks setting `{key}` of {}",
                meta.id
            );
        }
    }
    assert_eq!(
        rules.as_object().unwrap().len(),
        grantlint::rules::REGISTRY.len(),
        "the schema names a rule the code does not have"
    );
}

#[test]
fn the_schema_rejects_what_grantlint_rejects() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    // An unknown rule id or `match` field is grantlint's to reject (with a did-you-mean): the
    // schema cannot know a policy's custom rule ids and declared fields, which `rules:` and
    // `match:` may name.
    for bad in [
        "rules: {window-max: {max: 4 hours}}",
        "rules: {window-max: {maxx: 4h}}",
        "rules: {ticket-linked: loud}",
        "overrides: [{match: {}, rules: {}}]",
        "overrides: [{rules: {}}]",
        "version: 2",
        "extra: 1",
        "inputs: {exclud: [archive]}",
        "inputs: {include: []}",
        "fields: {vip: boolean}",
        "fields: {Vip: bool}",
        "fields: {vip: {from: [VIP]}}",
        "calendars: {business: {days: mon-fri}}",
        "calendars: {business: {zone: UTC, hours: 9-18}}",
        "custom: [{id: a, message: m, require: {compare: [1]}}]",
        "custom: [{id: a, message: m, require: {field: start, outside: [business]}}]",
        "rules: {my-rule: {max: 1h}}",
        "limits: [{id: a, by: [grantee], within: 7d}]",
        "limits: [{id: a, by: [grantee], concurrent: 2, max: 3}]",
        "limits: [{id: a, concurrent: 2}]",
        "people: [{name: A, manger: B}]",
        "custom: [{id: a, message: m, require: {field: ticket, in_group: x}}]",
    ] {
        let policy: Value = serde_saphyr::from_str(bad).unwrap();
        assert!(!errors(&validator, &policy).is_empty(), "{bad}");
    }
    let good: Value = serde_saphyr::from_str(
        "version: 1\nextends: ../base.yaml\nrules: {window-max: {max: PT1H30M}, ticket-linked: off}\noverrides: [{match: {env: prod}, rules: {window-max: {max: 1h}}}]\ninputs: {include: [exports/**], exclude: archive}\nlimits: [{id: weekly, by: [grantee, tenant], within: 7d, max: 3}, {id: at-once, by: grantee, concurrent: 2}]\npeople: [{name: A, handles: [a], groups: [g], manager: B}, {name: B}]\ncustom: [{id: oncall, message: m, require: {all: [{field: approver, in_group: g}, {not: {field: approver, manager_of: grantee}}]}}]",
    )
    .unwrap();
    assert_eq!(errors(&validator, &good), Vec::<String>::new());
    let declared: Value = serde_saphyr::from_str(
        "fields: {vip: bool, closed: {type: time, from: [Ticket Closed]}}\ncalendars: {business: {zone: Europe/Berlin, days: mon-fri, hours: '09:00-18:00', holidays: [2026-12-25]}}\ncustom: [{id: a, message: m, when: {field: start, outside: business}, require: {compare: 'ended_at <= closed + 15m'}}]\nrules: {a: warning}\noverrides: [{match: {vip: true}, rules: {a: {severity: error}}}]",
    )
    .unwrap();
    assert_eq!(errors(&validator, &declared), Vec::<String>::new());
}
