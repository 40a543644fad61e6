//! `limits:` grouped by fields the policy declares (`fields:`), on a CSV export: counted per
//! value of the declared field, its findings pointing at that value and naming it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::Value;

/// A policy with a declared field `customer_region` and one limit grouped by it first.
const POLICY: &str = "version: 1
fields:
  customer_region: {type: text, from: [Customer Region]}
rules:
  repeat-tenant: off
limits:
  - {id: weekly-per-region, by: [customer_region, grantee], within: 7d, max: 2}
  - {id: regions-at-once, by: [customer_region], concurrent: 2, severity: error}
";

/// Mina has three EU grants within a week (whatever the tenant, whatever the case of `EU`);
/// Ravi's EU, US and blank-region grants are groups of one, and his second EU grant is 18
/// days after the first. At once: three EU grants overlap on 2026-11-02 (SUP-1, SUP-4,
/// SUP-8); the US and blank ones never count with them.
const GRANTS: &str = "\
id,grantee,tenant,Customer Region,start,expires
SUP-1,Mina Chen,acme,EU,2026-11-02T09:00:00Z,2026-11-02T13:00:00Z
SUP-2,Mina Chen,globex,eu,2026-11-03T09:00:00Z,2026-11-03T13:00:00Z
SUP-3,Mina Chen,initech,EU,2026-11-04T09:00:00Z,2026-11-04T13:00:00Z
SUP-4,Ravi Patel,acme,EU,2026-11-02T10:00:00Z,2026-11-02T14:00:00Z
SUP-5,Ravi Patel,acme,US,2026-11-02T10:00:00Z,2026-11-02T14:00:00Z
SUP-6,Ravi Patel,acme,,2026-11-02T10:00:00Z,2026-11-02T14:00:00Z
SUP-7,Ravi Patel,acme,EU,2026-11-20T10:00:00Z,2026-11-20T14:00:00Z
SUP-8,Dana Lee,acme,EU,2026-11-02T11:00:00Z,2026-11-02T12:00:00Z
";

/// (exit code, stdout, stderr) of `grantlint ARGS`.
fn grantlint(args: &[&str]) -> (i32, String, String) {
    let out = common::grantlint(args);
    let code = out.status.code().unwrap();
    (code, common::stdout(&out), common::stderr(&out))
}

/// The JSON report of checking `grants` (a CSV) against `policy`, with `base.yaml` (the
/// base it may extend) beside it.
fn check_layered(base: &str, policy: &str, grants: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let (p, g) = (dir.path().join("p.yaml"), dir.path().join("grants.csv"));
    std::fs::write(dir.path().join("base.yaml"), base).unwrap();
    std::fs::write(&p, policy).unwrap();
    std::fs::write(&g, grants).unwrap();
    common::json(&["--policy", p.to_str().unwrap(), g.to_str().unwrap()]).1
}

fn check(policy: &str, grants: &str) -> Value {
    check_layered("version: 1\n", policy, grants)
}

/// The findings of one rule.
fn of(report: &Value, rule: &str) -> Vec<Value> {
    let all = report["findings"].as_array().unwrap();
    all.iter().filter(|f| f["rule"] == rule).cloned().collect()
}

#[test]
fn a_window_limit_grouped_by_a_declared_field_counts_each_value_apart() {
    let report = check(POLICY, GRANTS);
    let found = of(&report, "weekly-per-region");
    assert_eq!(found.len(), 1, "{report:#}");
    let f = &found[0];
    assert_eq!(f["grant"], "SUP-1");
    assert_eq!(
        f["message"],
        // People are grouped as people (case, spacing, titles aside): the key names them so.
        "customer_region, grantee `EU, mina chen`: 3 grants started within 7d (at most 2)"
    );
    assert_eq!(f["related"], serde_json::json!(["SUP-2", "SUP-3"]));
    // At the first grant's region cell, named as the declared field.
    assert_eq!((&f["line"], &f["column"]), (&2.into(), &22.into()));
    assert_eq!(f["field"], "customer_region");
}

#[test]
fn a_concurrency_limit_grouped_by_a_declared_field_counts_grants_active_at_once() {
    let report = check(POLICY, GRANTS);
    let found = of(&report, "regions-at-once");
    assert_eq!(found.len(), 1, "{report:#}");
    let f = &found[0];
    assert_eq!(
        (&f["grant"], &f["severity"], &f["field"]),
        (&"SUP-8".into(), &"error".into(), &"customer_region".into())
    );
    assert_eq!(
        f["message"],
        "customer_region `EU`: 3 grants active at the same time (at most 2)"
    );
    assert_eq!(f["related"], serde_json::json!(["SUP-1", "SUP-4"]));
}

#[test]
fn a_limit_by_an_unknown_field_is_a_located_error_with_a_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.yaml");
    std::fs::write(
        &p,
        POLICY.replace(
            "by: [customer_region, grantee]",
            "by: [customer_regoin, grantee]",
        ),
    )
    .unwrap();
    let (code, _, err) = grantlint(&["policy", "check", p.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown field `customer_regoin`"), "{err}");
    assert!(err.contains("did you mean `customer_region`?"), "{err}");
    assert!(err.contains("p.yaml:7:34: unknown field"), "{err}");
}

/// A list written "eu, us" in one row and "eu,us" in another would be two groups: a limit
/// groups by text, so a typed field is refused where it is named.
#[test]
fn a_limit_by_a_list_field_is_refused_where_it_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.yaml");
    std::fs::write(
        &p,
        POLICY.replace(
            "customer_region: {type: text,",
            "customer_region: {type: list,",
        ),
    )
    .unwrap();
    let (code, _, err) = grantlint(&["policy", "check", p.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "p.yaml:7:34: a limit groups by text, and `customer_region` is declared `list`"
        ),
        "{err}"
    );
    assert!(err.contains("type: text"), "{err}");
}

#[test]
fn a_limit_may_group_by_a_field_a_later_layer_declares() {
    // The limit is written in the base; the field it groups by, in the file extending it.
    let base = "version: 1\nrules:\n  repeat-tenant: off\nlimits:\n  - {id: weekly-per-region, by: [customer_region, grantee], within: 7d, max: 2}\n";
    let top = "version: 1\nextends: base.yaml\nfields:\n  customer_region: {type: text, from: [Customer Region]}\n";
    let report = check_layered(base, top, GRANTS);
    let flagged: Vec<Value> = of(&report, "weekly-per-region")
        .iter()
        .map(|f| f["grant"].clone())
        .collect();
    assert_eq!(flagged, ["SUP-1"], "{report:#}");
}

#[test]
fn policy_show_shows_a_limit_by_a_declared_field_with_its_origin() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.yaml");
    std::fs::write(&p, POLICY).unwrap();
    let (code, out, err) = grantlint(&["policy", "show", "--policy", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // The limit as written, each key with the file and line it comes from.
    let limits = &out[out.find("\nlimits:").unwrap_or_else(|| panic!("{out}"))..];
    let by = limits.find("    by: ").unwrap();
    assert!(
        limits[by..].starts_with("    by: ")
            && limits[by..].lines().next().unwrap().ends_with("p.yaml:7"),
        "{out}"
    );
    let items: Vec<&str> = limits[by..]
        .lines()
        .skip(1)
        .take(2)
        .map(str::trim)
        .collect();
    assert_eq!(items, ["- customer_region", "- grantee"], "{out}");
}

#[test]
fn a_limits_when_is_shown_with_its_origin_and_said_in_words() {
    let policy = "policies/examples/prod-admin-concurrency/grantlint.yaml";
    let (code, out, err) = grantlint(&["policy", "show", "--policy", policy]);
    assert_eq!(code, 0, "{err}");
    let line = |start: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("no `{start}` in\n{out}"))
            .to_string()
    };
    assert!(
        line("- field: environment").ends_with("grantlint.yaml:12"),
        "{out}"
    );
    assert!(
        line("matches: admin").ends_with("grantlint.yaml:13"),
        "{out}"
    );
    let (code, out, _) = grantlint(&["rules", "--policy", policy]);
    assert_eq!(code, 0);
    assert!(out.contains("prod-admin-at-once"), "{out}");
    let (_, out, _) = grantlint(&["explain", "prod-admin-at-once", "--policy", policy]);
    assert!(
        out.contains(
            "counting grants where all of (environment equals `prod`; role matches /admin/)"
        ),
        "{out}"
    );
}
