//! Property tests (issue 8, point 2): arbitrary grants never panic the checker; window-max
//! agrees with a direct computation; YAML, CSV and JSON of one grant set give one set of
//! findings.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use grantlint::check::{Outcome, check};
use grantlint::grant::Field;
use grantlint::load::{Format, Input, Origin, ReadOptions};
use grantlint::policy::Policy;
use proptest::prelude::*;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::load(None).unwrap())
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .unwrap()
        .to_utc()
}

fn run(text: String, format: Format) -> Outcome {
    let input = Input {
        name: "-".into(),
        origin: Origin::Stdin(Arc::from(text)),
        format,
    };
    check(&[input], &ReadOptions::default(), policy(), now())
}

/// A value for one field: something an export might hold, or anything at all.
fn value(field: Field) -> BoxedStrategy<String> {
    let realistic: &[&str] = match field {
        f if f.is_time() => &[
            "2026-11-23T14:05:00Z",
            "2026-11-23 18:05 UTC",
            "2026-11-23T14:05:00.5+02:00",
            "1795442700",
            "2026-11-23",
            "2026-02-30T10:00Z",
        ],
        Field::Approver | Field::Grantee | Field::Owner | Field::RequestedBy => &[
            "Ravi Patel",
            "manager approved",
            "support@acme.test",
            "on-call",
            "admin",
        ],
        Field::Role => &["read-only", "Administrator", "superuser", "viewer"],
        Field::Tenant => &["t-102", "*", "all", "t-1, t-2"],
        Field::Status => &["active", "revoked", "expired", "open"],
        Field::AccountType => &["personal", "shared", "service"],
        _ => &[
            "",
            "  ",
            "support issue",
            "Check invoice sync failing for tenant t-102",
        ],
    };
    prop_oneof![
        3 => proptest::sample::select(realistic.to_vec()).prop_map(str::to_string),
        1 => "\\PC{0,24}",
        1 => any::<String>().prop_map(|s| s.chars().take(40).collect()),
    ]
    .boxed()
}

/// A grant set: each grant an id and some of the other fields.
fn grants() -> impl Strategy<Value = Vec<Vec<(Field, String)>>> {
    let grant = proptest::collection::vec(
        proptest::sample::select(Field::ALL.to_vec()).prop_flat_map(|f| (Just(f), value(f))),
        0..8,
    );
    proptest::collection::vec(grant, 0..6).prop_map(|grants| {
        grants
            .into_iter()
            .enumerate()
            .map(|(i, fields)| {
                let mut grant = vec![(Field::Id, format!("G-{i}"))];
                for (field, value) in fields {
                    if !grant.iter().any(|(f, _)| *f == field) {
                        grant.push((field, value));
                    }
                }
                grant
            })
            .collect()
    })
}

fn to_json(grants: &[Vec<(Field, String)>]) -> String {
    let list: Vec<serde_json::Map<String, serde_json::Value>> = grants
        .iter()
        .map(|g| {
            g.iter()
                .map(|(f, v)| (f.name().to_string(), serde_json::Value::String(v.clone())))
                .collect()
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap()
}

/// Block YAML with every value a double-quoted (JSON-escaped) scalar.
fn to_yaml(grants: &[Vec<(Field, String)>]) -> String {
    let mut out = String::from("grants:\n");
    for grant in grants {
        for (i, (f, v)) in grant.iter().enumerate() {
            let lead = if i == 0 { "  - " } else { "    " };
            let quoted = serde_json::to_string(v).unwrap();
            out.push_str(&format!("{lead}{}: {quoted}\n", f.name()));
        }
    }
    out
}

fn to_csv(grants: &[Vec<(Field, String)>]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let header: Vec<String> = Field::ALL.iter().map(|f| f.name().to_string()).collect();
    let mut out = header.join(",") + "\r\n";
    for grant in grants {
        let row: Vec<String> = Field::ALL
            .iter()
            .map(|f| {
                let v = grant
                    .iter()
                    .find(|(g, _)| g == f)
                    .map_or("", |(_, v)| v.as_str());
                quote(v)
            })
            .collect();
        out.push_str(&(row.join(",") + "\r\n"));
    }
    out
}

/// The findings, without the places that differ between formats.
fn findings(outcome: &Outcome) -> Vec<String> {
    assert!(outcome.errors.is_empty(), "{}", outcome.errors[0]);
    let mut all: Vec<String> = outcome
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {:?} {}",
                f.rule,
                f.grant,
                f.field.map(Field::name),
                f.message
            )
        })
        .collect();
    all.sort();
    all
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_the_checker(text in "\\PC{0,200}", csv in any::<bool>()) {
        let outcome = run(text, if csv { Format::Csv } else { Format::Yaml });
        for e in &outcome.errors {
            prop_assert!(e.location.is_some(), "{e}");
        }
    }

    #[test]
    fn arbitrary_grants_never_panic_the_checker(grants in grants()) {
        let outcome = run(to_json(&grants), Format::Json);
        prop_assert!(outcome.errors.is_empty());
        prop_assert_eq!(outcome.grants, grants.len());
    }

    #[test]
    fn yaml_csv_and_json_give_the_same_findings(grants in grants()) {
        let json = findings(&run(to_json(&grants), Format::Json));
        let yaml = findings(&run(to_yaml(&grants), Format::Yaml));
        let csv = findings(&run(to_csv(&grants), Format::Csv));
        prop_assert_eq!(&json, &yaml);
        prop_assert_eq!(&json, &csv);
    }

    #[test]
    fn window_max_agrees_with_a_direct_computation(
        start in 946_684_800i64..4_102_444_800,
        window in -3_600i64..48 * 3_600,
        start_offset in -(23 * 60 + 59)..=(23 * 60 + 59i32),
        expires_offset in -(23 * 60 + 59)..=(23 * 60 + 59i32),
    ) {
        let show = |secs: i64, offset_minutes: i32| {
            let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap();
            DateTime::from_timestamp(secs, 0).unwrap().with_timezone(&offset).to_rfc3339()
        };
        let text = format!(
            "- id: w\n  start: {}\n  expires: {}\n",
            show(start, start_offset),
            show(start + window, expires_offset)
        );
        let outcome = run(text.clone(), Format::Yaml);
        let fired = outcome.findings.iter().any(|f| f.rule == "window-max");
        let backwards = outcome
            .findings
            .iter()
            .any(|f| f.rule == "field-format" && &*f.message == "expires is before start");
        prop_assert_eq!(fired, TimeDelta::seconds(window) > TimeDelta::hours(4), "{}", text);
        prop_assert_eq!(backwards, window < 0, "{}", text);
    }
}
