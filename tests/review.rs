//! `grantlint report`: the committed example review stays current, exit codes, --output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, grantlint};

use std::path::Path;

/// The example reports in docs/ are what `report` makes of fixtures/samples/ today. Run with
/// UPDATE_DOCS=1 to regenerate them after a deliberate change.
#[test]
fn the_example_reports_in_docs_are_current() {
    for (format, file) in [
        ("markdown", "docs/weekly-review.md"),
        ("html", "docs/weekly-review.html"),
    ] {
        let out = grantlint(&[
            "report",
            "--now",
            NOW,
            "--format",
            format,
            "fixtures/samples/",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &out.stdout).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "{file} is out of date: regenerate it with `UPDATE_DOCS=1 cargo test --test review`"
        );
    }
}

#[test]
fn output_is_written_whole_and_never_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("review.json");
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "--format",
        "json",
        "-o",
        report.to_str().unwrap(),
        "fixtures/samples/grants.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["headline"]["grants"]["current"], 3); // SUP-102, SUP-103, SUP-105

    let input = dir.path().join("grants.yaml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/samples/grants.yaml"),
        &input,
    )
    .unwrap();
    let before = std::fs::read(&input).unwrap();
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "-o",
        input.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to write a report over"));
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn the_period_is_checked_and_chosen_by_since_and_until() {
    let out = grantlint(&[
        "report",
        "--since",
        "2026-11-20",
        "--until",
        "2026-11-19",
        "fixtures/samples/",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be before --until"));
    let out = grantlint(&["report", "--since", "last week", "fixtures/samples/"]);
    assert_eq!(out.status.code(), Some(2));

    // Nov 16 only: SUP-101; the day before it had none.
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "--format",
        "json",
        "--since",
        "2026-11-16",
        "--until",
        "2026-11-16",
        "fixtures/samples/",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["period"]["until"], "2026-11-17T00:00:00Z");
    assert_eq!(json["previous_period"]["since"], "2026-11-15T00:00:00Z");
    assert_eq!(json["grants"][0]["id"], "SUP-101");
    assert_eq!(json["headline"]["grants"]["current"], 1);
    assert_eq!(json["headline"]["grants"]["previous"], 0);
}

#[test]
fn an_unreadable_input_is_named_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "grants: [\n").unwrap();
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        broken.to_str().unwrap(),
        "fixtures/samples/grants.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("## Inputs that could not be read"), "{md}");
    assert!(md.contains("broken.yaml"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.yaml"));
}

#[test]
fn the_policys_waivers_give_the_review_its_waived_section() {
    let out = grantlint(&[
        "report",
        "--policy",
        "fixtures/ci/policy-waivers.yaml",
        "--now",
        NOW,
        "--format",
        "json",
        "fixtures/ci/grants.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let review: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let waived: Vec<(&str, &str)> = review["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["rule"].as_str().unwrap(), s["by"].as_str().unwrap()))
        .collect();
    assert!(waived.contains(&("window-max", "waiver")), "{waived:?}");
    // A waived finding is not also listed as open.
    let open = review["findings"].to_string();
    assert!(!open.contains("access window is 6h"), "{open}");
}

/// Multi-approver systems: the review shows every approval of a grant, and counts each
/// approver once per grant they approved.
#[test]
fn every_approval_is_shown_and_counted() {
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "--since",
        "2026-01-01",
        "--format",
        "json",
        "fixtures/teleport/requests.json",
    ]);
    let review: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let approvers: Vec<&str> = review["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["approver"].as_str().unwrap())
        .collect();
    assert!(
        approvers.contains(&"ravi.patel@example.com, sara.kim@example.com"),
        "{approvers:?}"
    );
    let counted: Vec<(&str, u64)> = review["people"]["approvers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["grants"].as_u64().unwrap()))
        .collect();
    assert!(
        counted.contains(&("ravi.patel@example.com", 2)),
        "{counted:?}"
    );
    assert!(
        counted.contains(&("sara.kim@example.com", 1)),
        "{counted:?}"
    );
}

/// `n` grants over about five weeks from 2026-10-20, as a CSV: hundreds of tenants, one in
/// seven grants breaking a rule (no approver, a long window, a shared account, past expiry).
fn many_grants(n: usize) -> String {
    let mut csv = String::from(
        "id,tenant,grantee,account_type,role,reason,approver,owner,ticket,start,expires,ended_at,status\n",
    );
    let start = chrono::DateTime::parse_from_rfc3339("2026-10-20T00:00:00Z").unwrap();
    for i in 0..n {
        let t = start + chrono::TimeDelta::seconds(i as i64 * 30);
        let end = t + chrono::TimeDelta::hours(1);
        let f = |t: chrono::DateTime<chrono::FixedOffset>| t.format("%Y-%m-%dT%H:%M:%SZ");
        let (approver, account, ended, status) = match i % 7 {
            0 => ("", "personal", f(end).to_string(), "expired"),
            1 => ("Ravi Patel", "shared", f(end).to_string(), "expired"),
            2 => ("Ravi Patel", "personal", String::new(), "active"),
            _ => ("Ravi Patel", "personal", f(end).to_string(), "expired"),
        };
        csv.push_str(&format!(
            "SUP-{i},tenant-{},Mina Chen,{account},read-only,Investigate failed SSO login for tenant {} after IdP update,{approver},Dana Lee,CS-{i},{},{},{ended},{status}\n",
            i % 997,
            i % 997,
            f(t),
            f(end),
        ));
    }
    csv
}

/// Issue 26: 100,000 grants make a page a browser opens: summaries and the first rows of
/// each table, "and N more", every row in the attachments. (Sizes only; times are measured
/// by `cargo bench --bench review`.)
#[test]
fn a_review_of_100k_grants_is_a_small_page_with_every_row_attached() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("grants.csv");
    std::fs::write(&export, many_grants(100_000)).unwrap();
    let attached = dir.path().join("attached");
    // Both pages at once: a debug build takes a while over 100k grants.
    let pages = std::thread::scope(|scope| {
        let page = |format: &'static str, attach: bool| {
            let (export, attached) = (&export, &attached);
            scope.spawn(move || {
                let mut args = vec![
                    "report",
                    "--now",
                    NOW,
                    "--since",
                    "2026-01-01",
                    "--until",
                    "2027-01-01",
                    "--format",
                    format,
                    export.to_str().unwrap(),
                ];
                if attach {
                    args.extend(["--attachments", attached.to_str().unwrap()]);
                }
                (format, grantlint(&args))
            })
        };
        let runs = [page("html", true), page("markdown", false)];
        runs.map(|run| run.join().unwrap())
    });
    for (format, out) in pages {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(
            page.len() <= 2_000_000,
            "{format}: {} bytes for 100k grants",
            page.len()
        );
        assert!(page.contains("and 99950 more grants"), "{format}");
    }
    let grants = std::fs::read_to_string(attached.join("grants.csv")).unwrap();
    assert_eq!(grants.lines().count(), 100_001, "a header and every grant");
    let findings = std::fs::read_to_string(attached.join("findings.csv")).unwrap();
    assert!(findings.lines().count() > 28_000, "every finding");
    assert!(attached.join("closeout.csv").exists());
}

/// Issue 24: a period of ten thousand years is a few bars of many years each, never a bar
/// per day (one grant had made 571 MB of HTML).
#[test]
fn a_period_of_ten_thousand_years_has_a_bounded_number_of_bars() {
    let args = |format| {
        grantlint(&[
            "report",
            "--now",
            NOW,
            "--since",
            "0001-01-01",
            "--until",
            "9999-12-31",
            "--format",
            format,
            "fixtures/samples/grants.yaml",
        ])
    };
    let json: serde_json::Value = serde_json::from_slice(&args("json").stdout).unwrap();
    let bars = json["grants_per_day"].as_array().unwrap();
    assert!(bars.len() <= 120, "{} bars", bars.len());
    assert_eq!(json["grants_per_day_step"], "84 years");
    assert_eq!(bars[0]["day"], "0001-01-01");
    let counted: u64 = bars.iter().map(|b| b["grants"].as_u64().unwrap()).sum();
    assert_eq!(
        counted,
        json["headline"]["grants"]["current"].as_u64().unwrap()
    );
    let html = String::from_utf8(args("html").stdout).unwrap();
    assert!(html.len() < 100_000, "{} bytes", html.len());
    assert!(html.contains("Grants per 84 years (by start, UTC)"));
}

/// Issue 24: a long reason (62 KB, under the 64 KiB value limit) is shown cut, with an
/// ellipsis, on every page.
#[test]
fn a_long_reason_is_cut_on_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("grants.csv");
    let reason = "Investigate SSO login failures ".repeat(2_000);
    std::fs::write(
        &export,
        format!(
            "id,tenant,grantee,role,reason,approver,start,expires,ended_at,status\n\
             SUP-1,acme,Mina Chen,read-only,{reason},Ravi Patel,2026-11-20T10:00:00Z,2026-11-20T11:00:00Z,2026-11-20T11:00:00Z,expired\n"
        ),
    )
    .unwrap();
    for format in ["html", "markdown"] {
        let out = grantlint(&[
            "report",
            "--now",
            NOW,
            "--format",
            format,
            export.to_str().unwrap(),
        ]);
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(page.len() < 40_000, "{format}: {} bytes", page.len());
        assert!(
            page.contains("Investigate SSO login failures Investigate"),
            "{format}"
        );
        assert!(page.contains("…"), "{format}");
    }
}

/// The attachments are outputs like any other: never written over a file the run reads.
#[test]
fn attachments_are_never_written_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("grants.csv");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/samples/tickets.csv"),
        &input,
    )
    .unwrap();
    let before = std::fs::read(&input).unwrap();
    let history = dir.path().join("reviews.sqlite");
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "--attachments",
        dir.path().to_str().unwrap(),
        "--history",
        history.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to write a report over"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&input).unwrap(), before);
    // Refused before any work: no other attachment written, no review recorded.
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["grants.csv"]);
}

/// The attachments sit beside the exports a team checks: a later `check` of that folder
/// leaves them out as grantlint's own tables instead of reading their rows as grants.
#[test]
fn attachments_are_not_read_back_as_exports() {
    let dir = tempfile::tempdir().unwrap();
    let exports = dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/samples/grants.yaml"),
        exports.join("grants.yaml"),
    )
    .unwrap();
    let attached = exports.join("review-files");
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "--attachments",
        attached.to_str().unwrap(),
        exports.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(&attached).unwrap().count(), 3);
    let out = grantlint(&[
        "check",
        "--now",
        NOW,
        "--verbose",
        "--format",
        "json",
        exports.to_str().unwrap(),
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 1, "{report}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        said.matches("a table the weekly review attached").count(),
        3,
        "{said}"
    );
}

/// Issue 26: people are named once. The people directory names a person however a grant
/// writes them (e-mail, alias, "name, title"), and without one a title is set aside.
#[test]
fn people_are_counted_once_through_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("grantlint.yaml");
    std::fs::write(
        &policy,
        "version: 1\nextends: default\npeople:\n  \
         - {name: Ravi Patel, email: ravi.patel@acme.io, aliases: [rpatel]}\n  \
         - {name: Mina Chen, email: mina.chen@acme.io}\n",
    )
    .unwrap();
    let grants = dir.path().join("grants.yaml");
    let grant = |id: &str, grantee: &str, approver: &str, day: u32| {
        format!(
            "- {{id: {id}, tenant: acme, grantee: '{grantee}', approver: '{approver}', \
             start: 2026-11-{day}T10:00:00Z, expires: 2026-11-{day}T11:00:00Z, \
             ended_at: 2026-11-{day}T11:00:00Z, status: ended}}\n"
        )
    };
    std::fs::write(
        &grants,
        [
            grant("P-1", "Mina Chen", "rpatel", 18),
            grant(
                "P-2",
                "mina.chen@acme.io",
                "Ravi Patel, on-call engineering manager",
                19,
            ),
            grant("P-3", "MINA  CHEN", "ravi.patel@acme.io", 20),
            grant("P-4", "Dana Lee, support lead", "Ravi Patel", 21),
            // One person named twice in one grant is one approval of it.
            grant("P-5", "dana lee", "Ravi Patel; rpatel", 22),
        ]
        .concat(),
    )
    .unwrap();
    let out = grantlint(&[
        "report",
        "--now",
        NOW,
        "--format",
        "json",
        "--policy",
        policy.to_str().unwrap(),
        grants.to_str().unwrap(),
    ]);
    let review: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let counted = |who: &str| -> Vec<(String, u64)> {
        review["people"][who]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["grants"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(counted("approvers"), [("Ravi Patel".to_string(), 5)]);
    // Dana Lee is not in the directory: her title is set aside and case ignored.
    assert_eq!(
        counted("grantees"),
        [("Mina Chen".to_string(), 3), ("Dana Lee".to_string(), 2)]
    );
    assert_eq!(review["headline"]["people"]["current"], 2);
}

/// Issue 26: a repeat tenant's recurring problem stands out, with its tickets, in every
/// format.
#[test]
fn a_repeat_tenants_recurring_problem_stands_out_with_its_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let grants = dir.path().join("grants.yaml");
    let reasons = [
        "SSO login fails for new users after IdP group update",
        "Investigate failed SSO login for new users",
        "SSO login failing again for new users",
        "SSO login fails after IdP group update, users locked out",
        "New users cannot finish SSO login: fails at IdP",
    ];
    let yaml: String = reasons
        .iter()
        .enumerate()
        .map(|(i, reason)| {
            format!(
                "- {{id: G-{i}, tenant: acme-prod, grantee: Mina Chen, approver: Ravi Patel, \
                 ticket: INC-{i}0, reason: '{reason}', start: 2026-11-1{i}T10:00:00Z, \
                 expires: 2026-11-1{i}T11:00:00Z, ended_at: 2026-11-1{i}T11:00:00Z, status: ended}}\n"
            )
        })
        .collect();
    std::fs::write(&grants, yaml).unwrap();
    let report = |format| {
        let out = grantlint(&[
            "report",
            "--now",
            NOW,
            "--since",
            "2026-11-01",
            "--format",
            format,
            grants.to_str().unwrap(),
        ]);
        String::from_utf8(out.stdout).unwrap()
    };
    let json: serde_json::Value = serde_json::from_str(&report("json")).unwrap();
    let problem = &json["repeat_tenants"][0]["problems"][0];
    assert_eq!(problem["grants"], 5, "{problem}");
    assert_eq!(problem["tickets"][4], "INC-40");
    let md = report("markdown");
    assert!(md.contains("**acme-prod needed access 5 times**"), "{md}");
    assert!(
        md.contains("tickets INC-00, INC-10, INC-20, INC-30, INC-40"),
        "{md}"
    );
    let html = report("html");
    assert!(html.contains("acme-prod needed access 5 times"));
}

/// `report --now NOW --format json ARGS`: how it ended, and the review parsed.
fn review_json(args: &[&str]) -> (std::process::Output, serde_json::Value) {
    let mut all = vec!["report", "--now", NOW, "--format", "json"];
    all.extend_from_slice(args);
    let out = grantlint(&all);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_default();
    (out, json)
}

/// [`review_json`] of `yaml`, written to a file.
fn review_of_yaml(yaml: &str) -> (std::process::Output, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let grants = dir.path().join("grants.yaml");
    std::fs::write(&grants, yaml).unwrap();
    review_json(&[grants.to_str().unwrap()])
}

/// G-0, live since May, is a grant of the week; G-1 and G-2 ended in May, in its
/// repeat-tenant span: the review keeps them as stand-ins and reads them again to show them.
const LIVE_SINCE_MAY: &str = "\
- {id: G-0, tenant: acme-prod, grantee: Mina Chen, approver: Ravi Patel, ticket: INC-0, reason: 'Billing export stuck for the EU shard', start: 2026-05-01T10:00:00Z, status: active}
- {id: G-1, tenant: acme-prod, grantee: Tomás Ortega, approver: Ravi Patel, ticket: INC-1, reason: 'Billing export stuck again after the retry', start: 2026-05-03T10:00:00Z, expires: 2026-05-03T11:00:00Z, ended_at: 2026-05-03T11:00:00Z, status: ended}
- {id: G-2, tenant: ACME-prod, grantee: Mina Chen, approver: Ravi Patel, ticket: INC-2, reason: 'Billing export stuck, third time', start: 2026-05-05T10:00:00Z, expires: 2026-05-05T11:00:00Z, ended_at: 2026-05-05T11:00:00Z, status: ended}
";

/// A grant of the week live since May opens a repeat-tenant span whose other grants ended in
/// May: the review keeps those as stand-ins (their place, start and tenant) and reads them
/// again to show them, from a file and from standard input alike.
#[test]
fn a_span_around_a_grant_live_since_long_ago_shows_its_grants_read_again() {
    let yaml = LIVE_SINCE_MAY;
    let (from_file, _) = review_of_yaml(yaml);
    let from_stdin = assert_cmd::Command::cargo_bin("grantlint")
        .unwrap()
        .args([
            "report",
            "--now",
            NOW,
            "--format",
            "json",
            "--input-format",
            "yaml",
            "-",
        ])
        .write_stdin(yaml)
        .output()
        .unwrap();
    for out in [from_file, from_stdin] {
        assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["headline"]["grants"]["current"], 1, "{json}");
        let span = &json["repeat_tenants"][0];
        let shown: Vec<(&str, &str, &str)> = (span["grants"].as_array().unwrap().iter())
            .map(|g| {
                let text = |key: &str| g[key].as_str().unwrap_or("");
                (text("id"), text("ticket"), text("reason"))
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("G-0", "INC-0", "Billing export stuck for the EU shard"),
                ("G-1", "INC-1", "Billing export stuck again after the retry"),
                ("G-2", "INC-2", "Billing export stuck, third time"),
            ],
            "{span}"
        );
    }
}

/// The second reading reads as the first: a CSV whose columns only the policy's `mapping:`
/// names, with times in the policy's time zone, shows the texts of the span's grants read
/// again (a second reading without the mapping would find no grant there: exit 2).
#[test]
fn grants_read_again_are_read_through_the_policys_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("grantlint.yaml");
    std::fs::write(
        &policy,
        "mapping:\n  timezone: Europe/Berlin\n  columns: {Ref: id, Customer: tenant, Engineer: grantee, \
         Approved by: approver, Case: ticket, Why: reason, From: start, Until: expires, Closed: ended_at, \
         State: status}\n",
    )
    .unwrap();
    let csv = dir.path().join("tickets.csv");
    std::fs::write(
        &csv,
        "Ref,Customer,Engineer,Approved by,Case,Why,From,Until,Closed,State\n\
         G-0,acme-prod,Mina Chen,Ravi Patel,INC-0,Billing export stuck for the EU shard,2026-05-01 10:00,,,active\n\
         G-1,acme-prod,Tomás Ortega,Ravi Patel,INC-1,Billing export stuck again,2026-05-03 10:00,2026-05-03 11:00,2026-05-03 11:00,ended\n\
         G-2,acme-prod,Mina Chen,Ravi Patel,INC-2,Billing export stuck a third time,2026-05-05 10:00,2026-05-05 11:00,2026-05-05 11:00,ended\n",
    )
    .unwrap();
    let (out, json) = review_json(&["--policy", policy.to_str().unwrap(), csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let grants = json["repeat_tenants"][0]["grants"].as_array().unwrap();
    let shown: Vec<(&str, &str)> = grants
        .iter()
        .map(|g| (g["ticket"].as_str().unwrap(), g["start"].as_str().unwrap()))
        .collect();
    assert_eq!(
        shown,
        [
            ("INC-0", "2026-05-01T08:00:00Z"),
            ("INC-1", "2026-05-03T08:00:00Z"),
            ("INC-2", "2026-05-05T08:00:00Z"),
        ]
    );
}

/// Tenants are told apart as repeat-tenant tells them apart, whole: two tenants of 1,100
/// bytes that differ only in their last byte are two repeat tenants, though the review keeps
/// only the first kilobyte of each text.
#[test]
fn long_tenants_that_share_their_first_kilobyte_are_two_repeat_tenants() {
    let prefix = "t".repeat(1100);
    let yaml: String = (0..6)
        .map(|i| {
            format!(
                "- {{id: G-{i}, tenant: {prefix}{}, grantee: Mina Chen, approver: Ravi Patel, \
                 ticket: INC-{i}, reason: Billing export stuck, start: 2026-11-2{}T10:00:00Z, \
                 expires: 2026-11-2{}T11:00:00Z, ended_at: 2026-11-2{}T11:00:00Z, status: ended}}\n",
                i % 2,
                i / 2,
                i / 2,
                i / 2
            )
        })
        .collect();
    let (out, json) = review_of_yaml(&yaml);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let tenants = json["repeat_tenants"].as_array().unwrap();
    let ids: Vec<Vec<&str>> = (tenants.iter())
        .map(|t| {
            (t["grants"].as_array().unwrap().iter())
                .map(|g| g["id"].as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(ids, [["G-0", "G-2", "G-4"], ["G-1", "G-3", "G-5"]]);
}

/// Teleport roles are configuration `check` lints, not grants: the review leaves the file out
/// and says so (an input problem, so the week is incomplete and the exit code 2) instead of
/// listing each role in the closeout as a grant of unknown lifecycle.
#[test]
fn configuration_is_left_out_of_the_review_and_said_to_be() {
    let (out, json) = review_json(&[
        "fixtures/config/teleport/roles.yaml",
        "fixtures/samples/grants.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    assert!(
        common::stderr(&out).contains("`grantlint check`"),
        "{}",
        common::stderr(&out)
    );
    let problems = json["input_errors"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["file"], "fixtures/config/teleport/roles.yaml");
    assert!(
        problems[0]["message"]
            .as_str()
            .unwrap()
            .contains("access-system configuration (teleport-role)")
    );
    assert_ne!(json["headline"]["result"], "passed");
    let closeout = json["closeout"].as_array().unwrap();
    assert!(
        closeout
            .iter()
            .all(|c| c["grant"]["file"] != "fixtures/config/teleport/roles.yaml"),
        "{closeout:?}"
    );
    assert_eq!(json["headline"]["left_out"], 0);
}

/// A configuration file found in a folder beside the exports is left out and said to be, once;
/// the review of the grants is written as usual (exit 0).
#[test]
fn configuration_found_in_a_folder_is_left_out_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("grants.yaml"), LIVE_SINCE_MAY).unwrap();
    let roles = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/config/teleport/roles.yaml"
    ))
    .unwrap();
    std::fs::write(dir.path().join("roles.yaml"), roles).unwrap();
    let (out, json) = review_json(&[dir.path().to_str().unwrap()]);
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches("left out").count(), 1, "{stderr}");
    assert!(
        stderr.contains("roles.yaml: access-system configuration (teleport-role)"),
        "{stderr}"
    );
    assert_eq!(json["input_errors"], serde_json::json!([]));
    assert_eq!(json["headline"]["left_out"], 0);
    assert_eq!(json["repeat_tenants"][0]["grants"][2]["ticket"], "INC-2");
}

/// A file that cannot be read is named, once, and the review is still written, also when the
/// review reads stand-ins again (from the other file): only the files holding them are read a
/// second time.
#[test]
fn an_unreadable_input_beside_stand_ins_read_again_is_named_once_and_the_review_written() {
    let dir = tempfile::tempdir().unwrap();
    let grants = dir.path().join("grants.yaml");
    std::fs::write(&grants, LIVE_SINCE_MAY).unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "- {id: X, tenant: [unclosed\n").unwrap();
    let (out, json) = review_json(&[grants.to_str().unwrap(), broken.to_str().unwrap()]);
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.matches("unclosed bracket").count(), 1, "{stderr}");
    assert_eq!(json["input_errors"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json["repeat_tenants"][0]["grants"][1]["ticket"], "INC-1");
}

/// A configuration file named as an input is still an input: the review is never written over
/// it, though the review leaves it out.
#[test]
fn the_review_is_never_written_over_configuration_it_leaves_out() {
    let dir = tempfile::tempdir().unwrap();
    let roles = dir.path().join("roles.yaml");
    let before = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/config/teleport/roles.yaml"
    ))
    .unwrap();
    std::fs::write(&roles, &before).unwrap();
    let (out, _) = review_json(&[
        "-o",
        roles.to_str().unwrap(),
        "fixtures/samples/grants.yaml",
        roles.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    assert_eq!(std::fs::read(&roles).unwrap(), before);
}

/// A period that holds none of the grants read says so under the headline (a mistyped
/// `--since` must not read as a quiet week); a period that holds some does not.
#[test]
fn a_period_holding_none_of_the_grants_read_says_so() {
    let report = |since: &str, until: &str, format: &str| {
        let out = grantlint(&[
            "report",
            "--now",
            NOW,
            "--since",
            since,
            "--until",
            until,
            "--format",
            format,
            "fixtures/samples/grants.yaml",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let note = "None of the 5 grants read falls in this period";
    for format in ["markdown", "html"] {
        assert!(
            report("2027-03-01", "2027-03-07", format).contains(note),
            "{format}"
        );
        assert!(
            !report("2026-11-16", "2026-11-22", format).contains(note),
            "{format}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&report("2027-03-01", "2027-03-07", "json")).unwrap();
    assert_eq!(json["headline"]["read"], 5);
    assert_eq!(json["headline"]["grants"]["current"], 0);
}
