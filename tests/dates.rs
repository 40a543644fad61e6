//! The dates real tools write, read as a user's export gives them: US and day-first numeric
//! dates, month names, 12-hour clocks, Excel serials; the month/day order learned from the
//! file or said by `mapping: {date_order}`; `mapping: {timezone}` and `--timezone`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, grantlint, json, stderr};

use serde_json::Value;

/// The report's findings as (rule, grant, line, message).
fn findings(report: &Value) -> Vec<(String, String, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["grant"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn of_rule<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// A policy file in `dir` with the given `mapping:` lines.
fn policy(dir: &tempfile::TempDir, mapping: &str) -> String {
    let path = dir.path().join("grantlint.yaml");
    std::fs::write(
        &path,
        format!("version: 1\nextends: default\nmapping:\n{mapping}"),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn us_dates_with_am_pm_are_read_with_no_configuration() {
    let (code, report) = json(&["fixtures/messy/us-dates.csv"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["summary"]["grants"], 14);
    // Every date is read: the one finding is the 6-hour grant (9:00 AM to 3:00 PM), and
    // 12/01/2026 (ambiguous alone) reads as December 1, as the file's other dates say, so
    // that active grant has not expired.
    assert_eq!(
        findings(&report),
        vec![(
            "window-max".to_string(),
            "HD-002".into(),
            3,
            "access window is 6h, above the 4h maximum".into()
        )]
    );
}

#[test]
fn excel_dates_and_serials_are_read_and_a_bare_serial_is_named() {
    let (code, report) = json(&["fixtures/messy/excel-dates.csv"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["summary"]["grants"], 12);
    // 46349.3368055556 to 46349.5868055556: 08:05 to 14:05.
    let window = of_rule(&report, "window-max");
    assert_eq!(window.len(), 1, "{report:#}");
    assert_eq!(window[0]["grant"], "XL-002");
    assert_eq!(
        window[0]["message"],
        "access window is 6h, above the 4h maximum"
    );
    // The only unreadable value is a serial without a time of day, and it is named so.
    let format = of_rule(&report, "field-format");
    assert_eq!(format.len(), 1, "{report:#}");
    assert_eq!(format[0]["grant"], "XL-007");
    assert_eq!(
        format[0]["message"],
        "expires `46347` is not a time: an Excel serial date without a time of day"
    );
    assert_eq!(report["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn an_ambiguous_order_asks_for_date_order_and_the_policy_settles_it() {
    let (code, report) = json(&["fixtures/messy/ambiguous-dates.csv"]);
    assert_eq!(code, 1);
    let all = report["findings"].as_array().unwrap();
    // Three times in each of eleven grants; 12/12/2026 reads alike either way.
    assert_eq!(all.len(), 33, "{report:#}");
    for finding in all {
        assert_eq!(finding["rule"], "field-format");
        let (message, help) = (
            finding["message"].as_str().unwrap(),
            finding["help"].as_str().unwrap(),
        );
        assert!(
            message.ends_with(
                "is not a time: day and month could be either way round; set `date_order: mdy` or `dmy`"
            ),
            "{message}"
        );
        assert!(
            help.contains("`mapping: {date_order: mdy}`")
                && help.contains("`mapping: {date_order: dmy}`"),
            "{help}"
        );
    }
    let first = &all[0];
    assert_eq!(
        (&first["grant"], &first["field"], &first["line"]),
        (
            &Value::from("AM-001"),
            &Value::from("approved_at"),
            &Value::from(2)
        )
    );
    assert!(
        first["help"]
            .as_str()
            .unwrap()
            .contains("(3/4 is March 4) or `mapping: {date_order: dmy}` (3/4 is 3 April)")
    );

    // Day first: 11/12/2026 is 11 December, after now, so the active grant is fine.
    let (code, report) = json(&[
        "--policy",
        "fixtures/messy/dates-dmy.yaml",
        "fixtures/messy/ambiguous-dates.csv",
    ]);
    assert_eq!((code, findings(&report)), (0, vec![]), "{report:#}");

    // Month first: 12 November, long past, and still active.
    let dir = tempfile::tempdir().unwrap();
    let mdy = policy(&dir, "  date_order: mdy\n");
    let (code, report) = json(&["--policy", &mdy, "fixtures/messy/ambiguous-dates.csv"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        vec![(
            "expiry-enforced".to_string(),
            "AM-003".into(),
            4,
            "grant is still active 12d1h after it expired".into()
        )]
    );
}

#[test]
fn a_time_zone_reads_local_times_in_it() {
    // HD-008 was approved at 14:30Z; access began at 3:05 PM local. In UTC that is after the
    // approval; in Berlin (UTC+1) it is 14:05Z, before it.
    let (_, utc) = json(&["fixtures/messy/us-dates.csv"]);
    assert!(of_rule(&utc, "approved-before-access").is_empty());
    let (code, berlin) = json(&["--timezone", "Europe/Berlin", "fixtures/messy/us-dates.csv"]);
    assert_eq!(code, 1);
    let late = of_rule(&berlin, "approved-before-access");
    assert_eq!(late.len(), 1, "{berlin:#}");
    assert_eq!(
        (&late[0]["grant"], &late[0]["message"]),
        (
            &Value::from("HD-008"),
            &Value::from("approved 25m after access began")
        )
    );
    // The policy says the same; the flag wins over it.
    let dir = tempfile::tempdir().unwrap();
    let zoned = policy(&dir, "  timezone: Europe/Berlin\n");
    let (_, by_policy) = json(&["--policy", &zoned, "fixtures/messy/us-dates.csv"]);
    assert_eq!(findings(&by_policy), findings(&berlin));
    let (_, flag_wins) = json(&[
        "--policy",
        &zoned,
        "--timezone",
        "UTC",
        "fixtures/messy/us-dates.csv",
    ]);
    assert_eq!(findings(&flag_wins), findings(&utc));
    // `report` takes the flag too.
    let out = grantlint(&[
        "report",
        "--format",
        "json",
        "--now",
        NOW,
        "--since",
        "2026-11-01",
        "--timezone",
        "Europe/Berlin",
        "fixtures/messy/us-dates.csv",
    ]);
    let review: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        review
            .to_string()
            .contains("approved 25m after access began"),
        "{review:#}"
    );
}

#[test]
fn a_dst_gap_is_a_problem_and_a_wrong_zone_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("dst-dates.csv");
    std::fs::write(
        &csv,
        "id,tenant,start,expires\nG-1,acme,2026-03-29 02:30,2026-03-29 04:00\n",
    )
    .unwrap();
    let csv = csv.display().to_string();
    let (_, report) = json(&["--timezone", "Europe/Berlin", &csv]);
    let gap = of_rule(&report, "field-format");
    assert_eq!(gap.len(), 1, "{report:#}");
    assert_eq!(
        gap[0]["message"],
        "start `2026-03-29 02:30` is not a time: no such local time: the clocks skip it in the time zone"
    );
    assert!(gap[0]["help"].as_str().unwrap().contains("Europe/Berlin"));

    let out = grantlint(&["check", "--timezone", "Europe/Berln", &csv]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "`Europe/Berln` is not an IANA time zone name (did you mean `Europe/Berlin`?)"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ticket_exports_written_in_local_time_are_read_in_the_zone() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("jira.csv");
    std::fs::write(
        &csv,
        "Issue key,Summary,Status,Custom field (Tenant),Custom field (Approver),Custom field (Approved at),Custom field (Access start),Custom field (Access end)\n\
         SUP-1,Customer invoice sync fails after the upgrade,In Progress,acme,Ravi Patel,2026-11-23T14:30:00Z,23/Nov/26 3:05 PM,23/Nov/26 4:05 PM\n",
    )
    .unwrap();
    let csv = csv.display().to_string();
    let (_, utc) = json(&["--source", "jira", &csv]);
    assert!(
        of_rule(&utc, "approved-before-access").is_empty(),
        "{utc:#}"
    );
    assert!(of_rule(&utc, "field-format").is_empty(), "{utc:#}");
    let (_, berlin) = json(&["--source", "jira", "--timezone", "Europe/Berlin", &csv]);
    assert_eq!(
        of_rule(&berlin, "approved-before-access").len(),
        1,
        "{berlin:#}"
    );
    // A zone per system: the Jira export is read in Berlin time, a plain grants file of the
    // same run with the same local times stays UTC.
    let plain = dir.path().join("plain.csv");
    std::fs::write(
        &plain,
        "id,tenant,grantee,approver,owner,ticket,reason,status,approved_at,start,expires\n\
         P-1,acme,Ana Ruiz,Ben Ode,Cara Lim,SUP-2,Customer invoice sync fails after the upgrade,ended,2026-11-23T14:30:00Z,2026-11-23 15:05,2026-11-23 16:05\n",
    )
    .unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nmapping:\n  timezone: {jira: Europe/Berlin, default: UTC}\n",
    )
    .unwrap();
    let jira = dir.path().join("issues.csv");
    std::fs::copy(&csv, &jira).unwrap();
    let (_, both) = json(&[
        "--policy",
        policy.to_str().unwrap(),
        jira.to_str().unwrap(),
        plain.to_str().unwrap(),
    ]);
    let late: Vec<&Value> = of_rule(&both, "approved-before-access")
        .into_iter()
        .map(|f| &f["grant"])
        .collect();
    assert_eq!(late, ["SUP-1"], "{both:#}");
}

#[test]
fn yaml_and_json_grants_read_the_same_forms_order_and_zone() {
    let dir = tempfile::tempdir().unwrap();
    // Start alone is ambiguous; expires, day first, tells the order: 3 April, 10:00 to 16:00.
    let yaml = dir.path().join("grants.yaml");
    std::fs::write(
        &yaml,
        "grants:\n  - id: Y-1\n    tenant: acme\n    grantee: Ana Ruiz\n    approver: Ben Ode\n    owner: Cara Lim\n    ticket: SUP-1\n    reason: Customer invoice sync fails after the upgrade\n    status: ended\n    approved_at: 2026-04-03T08:30:00Z\n    start: 03/04/2026 10:00\n    expires: 25/04/2026 16:00\n",
    )
    .unwrap();
    let json_file = dir.path().join("grants.json");
    std::fs::write(
        &json_file,
        r#"[{"id": "J-1", "tenant": "globex", "grantee": "Ana Ruiz", "approver": "Ben Ode", "owner": "Cara Lim", "ticket": "SUP-2", "reason": "Customer invoice sync fails after the upgrade", "status": "ended", "approved_at": "2026-11-23T14:30:00Z", "start": "Nov 23 2026 3:05 PM", "expires": "Nov 23 2026 4:05 PM"}]"#,
    )
    .unwrap();
    let (yaml, json_file) = (yaml.display().to_string(), json_file.display().to_string());
    let (_, report) = json(&[&yaml, &json_file]);
    assert_eq!(
        findings(&report),
        vec![(
            "window-max".to_string(),
            "Y-1".into(),
            12,
            "access window is 22d6h, above the 4h maximum".into()
        )]
    );
    // In Berlin, J-1's access began at 14:05Z, before its approval at 14:30Z.
    let (_, report) = json(&["--timezone", "Europe/Berlin", &json_file]);
    assert_eq!(
        findings(&report),
        vec![(
            "approved-before-access".to_string(),
            "J-1".into(),
            1,
            "approved 25m after access began".into()
        )]
    );
}

/// A plain CSV big enough to be read in segments on several threads, with one ambiguous date
/// near the top and the date that settles the order near the bottom (or the reverse).
fn big_export(dir: &tempfile::TempDir, ambiguous_at: usize, telling: &str) -> String {
    let mut text =
        String::from("id,tenant,grantee,approver,owner,reason,ticket,status,start,expires\n");
    let rows = 30_000;
    let telling_at = rows - 1 - ambiguous_at;
    for i in 0..rows {
        let (status, start, expires) = if i == ambiguous_at {
            ("active", "11/12/2026 10:00", "11/12/2026 11:00")
        } else if i == telling_at {
            ("ended", telling, telling)
        } else {
            ("ended", "2026-11-23T14:05:00Z", "2026-11-23T15:05:00Z")
        };
        text.push_str(&format!(
            "G-{i},t-{i},Ana Ruiz,Ben Ode,Cara Lim,Customer invoice sync fails after the upgrade,SUP-{i},{status},{start},{expires}\n"
        ));
    }
    assert!(text.len() > 4 << 20, "big enough for the parallel reader");
    let path = dir.path().join(format!("big-{ambiguous_at}.csv"));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn the_order_is_learned_from_the_whole_file_in_the_parallel_reader() {
    let dir = tempfile::tempdir().unwrap();
    // Month first, said only at the end: 11/12/2026 is 12 November, expired and still active.
    let us = big_export(&dir, 3, "11/23/2026 10:00");
    let (_, report) = json(&["--policy", "policies/default.yaml", &us]);
    assert_eq!(
        findings(&report),
        vec![(
            "expiry-enforced".to_string(),
            "G-3".into(),
            5,
            "grant is still active 12d1h after it expired".into()
        )]
    );
    // Day first, said at the top, ambiguous at the end: 11 December, not yet expired.
    let eu = big_export(&dir, 29_990, "23/11/2026 10:00");
    let (code, report) = json(&[&eu]);
    assert_eq!((code, findings(&report)), (0, vec![]), "{report:#}");
}

#[test]
fn the_published_schema_knows_the_date_settings() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policy.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let valid = |yaml: &str| {
        let policy: Value = serde_saphyr::from_str(yaml).unwrap();
        validator.is_valid(&policy)
    };
    assert!(valid(
        "version: 1\nmapping: {date_format: ['%d.%m.%Y %H:%M', '%Y%m%d %H%M'], date_order: dmy, timezone: Europe/Berlin}"
    ));
    assert!(valid(
        "version: 1\nmapping: {date_format: '%d.%m.%Y %H:%M'}"
    ));
    assert!(!valid("version: 1\nmapping: {date_order: ymd}"));
    assert!(!valid(
        "version: 1\nmapping: {date_fromat: '%d.%m.%Y %H:%M'}"
    ));
    // And grantlint agrees.
    let dir = tempfile::tempdir().unwrap();
    let bad = policy(&dir, "  date_order: ymd\n");
    let out = grantlint(&["policy", "check", &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`date_order` is `mdy` or `dmy`, not `ymd`"));
}
