//! `report --history FILE` and `review sign`: the review's memory between weeks, as a user
//! running it every Monday sees it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{grantlint, stderr};

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// A grant as the export lists it: `id`, `tenant`, `reason`, the day of November it started
/// (09:00 UTC) and for how many hours, then how it ended: `status` and any other lines.
fn grant(id: &str, tenant: &str, reason: &str, (day, hours): (u32, u32), end: &str) -> String {
    let expires = 9 + hours;
    format!(
        "  - id: {id}\n    ticket: INC-{id}\n    tenant: {tenant}\n    grantee: Mina Chen\n    approver: Ravi Patel\n    approved_at: 2026-11-{day:02}T08:55:00Z\n    owner: Dana Lee\n    role: read-only\n    reason: {reason}\n    start: 2026-11-{day:02}T09:00:00Z\n    expires: 2026-11-{day:02}T{expires:02}:00:00Z\n{end}"
    )
}

const SPECIFIC: &str = "Check invoice records after billing update and confirm sync issue";
const GENERIC: &str = "Support issue.";
const ACTIVE: &str = "    status: active\n";

fn export(grants: &[String]) -> String {
    format!("grants:\n{}", grants.concat())
}

/// G-3: a 6h window, ended on time on 5 November.
fn g_3() -> String {
    grant(
        "G-3",
        "gamma",
        SPECIFIC,
        (5, 6),
        "    ended_at: 2026-11-05T15:00:00Z\n    status: ended\n",
    )
}

/// Week 1 (2 to 8 November): G-1 and G-2 still active past expiry, G-2 with a generic reason,
/// G-3 a 6h window that ended that day.
fn week_1() -> String {
    export(&[
        grant("G-1", "acme", SPECIFIC, (3, 2), ACTIVE),
        grant("G-2", "beta", GENERIC, (4, 2), ACTIVE),
        g_3(),
    ])
}

/// Week 2 (9 to 15 November), the same export a week on: G-1 is still active; G-2 was revoked
/// late on the 10th and its reason written out; G-3 is over; G-4 is new, with a generic reason.
fn week_2() -> String {
    export(&[
        grant("G-1", "acme", SPECIFIC, (3, 2), ACTIVE),
        grant(
            "G-2",
            "beta",
            "Reconcile the March invoices that failed to sync after the billing update",
            (4, 2),
            "    ended_at: 2026-11-10T09:00:00Z\n    status: revoked\n",
        ),
        g_3(),
        grant(
            "G-4",
            "delta",
            GENERIC,
            (12, 2),
            "    ended_at: 2026-11-12T11:00:00Z\n    status: ended\n",
        ),
    ])
}

/// Week 3 (16 to 22 November): G-2 was opened again, with the generic reason back.
fn week_3() -> String {
    export(&[
        grant("G-1", "acme", SPECIFIC, (3, 2), ACTIVE),
        grant("G-2", "beta", GENERIC, (4, 2), ACTIVE),
    ])
}

/// (since, until as given, now): each week is Monday to Sunday, reviewed the Monday after.
const WEEKS: [(&str, &str, &str); 3] = [
    ("2026-11-02", "2026-11-08", "2026-11-09T08:00:00Z"),
    ("2026-11-09", "2026-11-15", "2026-11-16T08:00:00Z"),
    ("2026-11-16", "2026-11-22", "2026-11-23T08:00:00Z"),
];

struct Weekly {
    dir: tempfile::TempDir,
}

impl Weekly {
    fn new() -> Weekly {
        Weekly {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn history(&self) -> PathBuf {
        self.dir.path().join("review-history.sqlite")
    }

    fn export(&self) -> PathBuf {
        self.dir.path().join("grants.yaml")
    }

    /// `report --history` for week `n` (0-based) over `export` in `format`.
    fn report_args(&self, n: usize, format: &str) -> Vec<String> {
        let (since, until, now) = WEEKS[n];
        [
            "report",
            "--now",
            now,
            "--since",
            since,
            "--until",
            until,
            "--format",
            format,
            "--history",
            self.history().to_str().unwrap(),
            self.export().to_str().unwrap(),
        ]
        .map(str::to_string)
        .to_vec()
    }

    fn run(&self, args: &[String]) -> std::process::Output {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        grantlint(&args)
    }

    /// Writes week `n`'s export and reviews it: the JSON review's `history`.
    fn week(&self, n: usize, export: &str) -> Value {
        std::fs::write(self.export(), export).unwrap();
        let out = self.run(&self.report_args(n, "json"));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let review: Value = serde_json::from_slice(&out.stdout).unwrap();
        review["history"].clone()
    }
}

/// (rule, grant, periods open, weeks open) of a list of the history.
fn rows(history: &Value, list: &str) -> Vec<(String, String, u64, u64)> {
    let mut rows: Vec<_> = history[list]
        .as_array()
        .unwrap_or_else(|| panic!("no list {list} in {history}"))
        .iter()
        .map(|t| {
            (
                t["rule"].as_str().unwrap().to_string(),
                t["grant"].as_str().unwrap().to_string(),
                t["periods_open"].as_u64().unwrap(),
                t["weeks_open"].as_u64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn row(rule: &str, grant: &str, periods: u64, weeks: u64) -> (String, String, u64, u64) {
    (rule.into(), grant.into(), periods, weeks)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn first_use_creates_the_file_and_records_the_population() {
    let weekly = Weekly::new();
    assert!(!weekly.history().exists());
    let history = weekly.week(0, &week_1());
    let file = std::fs::read(weekly.history()).unwrap();
    assert!(file.starts_with(b"SQLite format 3\0"), "not an SQLite file");
    assert_eq!(history["previous"], Value::Null);
    assert_eq!(history["population"]["grants"], 3);
    assert_eq!(history["population"]["since"], "2026-11-02T00:00:00Z");
    assert_eq!(history["population"]["until"], "2026-11-09T00:00:00Z");
    // The population hash an auditor repeats: `sha256sum FILES | cut -c1-64 | sort | sha256sum`.
    let one = sha256_hex(week_1().as_bytes());
    assert_eq!(history["population"]["inputs"][0]["sha256"], one.as_str());
    assert_eq!(
        history["population"]["inputs_sha256"],
        sha256_hex(format!("{one}\n").as_bytes()).as_str()
    );
    assert_eq!(
        rows(&history, "new"),
        [
            row("expiry-enforced", "G-1", 1, 1),
            row("expiry-enforced", "G-2", 1, 1),
            row("reason-specific", "G-2", 1, 1),
            row("window-max", "G-3", 1, 1),
        ]
    );
    assert_eq!(history["last_sign_off"], Value::Null);
}

#[test]
fn week_two_shows_new_fixed_and_still_open_findings_with_their_age() {
    let weekly = Weekly::new();
    weekly.week(0, &week_1());
    let history = weekly.week(1, &week_2());
    assert_eq!(history["previous"]["since"], "2026-11-02T00:00:00Z");
    assert_eq!(
        rows(&history, "still_open"),
        [row("expiry-enforced", "G-1", 2, 2)]
    );
    assert_eq!(history["still_open"][0]["first_seen"], "2026-11-02");
    // G-2 was revoked (late: a finding of its own) and its reason written out.
    assert_eq!(
        rows(&history, "new"),
        [
            row("expiry-enforced", "G-2", 1, 1),
            row("reason-specific", "G-4", 1, 1),
        ]
    );
    assert_eq!(
        rows(&history, "fixed"),
        [
            row("expiry-enforced", "G-2", 1, 1),
            row("reason-specific", "G-2", 1, 1),
        ]
    );
    // G-3 ended in week 1: nothing looked at it again, so it is not called fixed.
    assert_eq!(
        rows(&history, "not_reviewed"),
        [row("window-max", "G-3", 1, 1)]
    );
    let trends = &history["trends"];
    assert_eq!(trends["periods"].as_array().unwrap().len(), 2);
    let counts = |rule: &str| {
        trends["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == rule)
            .map(|r| r["counts"].clone())
            .unwrap()
    };
    assert_eq!(counts("expiry-enforced"), serde_json::json!([2, 2]));
    assert_eq!(counts("window-max"), serde_json::json!([1, 0]));

    // The Markdown and HTML reviews show the same, the HTML with a trend chart.
    let markdown =
        String::from_utf8(weekly.run(&weekly.report_args(1, "markdown")).stdout).unwrap();
    assert!(markdown.contains("## Week over week"), "{markdown}");
    assert!(markdown.contains("| Still open | 1 |"), "{markdown}");
    assert!(markdown.contains("| Fixed | 2 |"), "{markdown}");
    assert!(
        markdown.contains("| expiry-enforced | error | G-1 | acme | 2026-11-02 | 2 | 2 |"),
        "{markdown}"
    );
    assert!(markdown.contains("| rule | 11-02 | 11-09 |"), "{markdown}");
    let html = String::from_utf8(weekly.run(&weekly.report_args(1, "html")).stdout).unwrap();
    assert!(html.contains(r#"<section id="week-over-week">"#));
    assert!(html.contains(r#"<svg xmlns="http://www.w3.org/2000/svg" class="trend""#));
}

#[test]
fn a_grant_fixed_then_back_is_named_as_reappearing() {
    let weekly = Weekly::new();
    weekly.week(0, &week_1());
    weekly.week(1, &week_2());
    let history = weekly.week(2, &week_3());
    let reappearing = history["reappearing"].as_array().unwrap();
    assert_eq!(reappearing.len(), 1, "{history}");
    assert_eq!(reappearing[0]["grant"], "G-2");
    assert_eq!(
        reappearing[0]["rules"],
        serde_json::json!(["expiry-enforced", "reason-specific"])
    );
    assert_eq!(reappearing[0]["fixed_in"]["since"], "2026-11-09T00:00:00Z");
    // Its age starts again: it was fixed in between.
    assert!(rows(&history, "new").contains(&row("reason-specific", "G-2", 1, 1)));
    assert_eq!(
        rows(&history, "still_open"),
        [row("expiry-enforced", "G-1", 3, 3)]
    );
}

/// The rows of a table in the history file, read directly.
fn count(history: &Path, table: &str) -> i64 {
    let db = rusqlite::Connection::open(history).unwrap();
    db.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn reviewing_a_week_again_replaces_its_record() {
    let weekly = Weekly::new();
    weekly.week(0, &week_1());
    let first = weekly.week(1, &week_2());
    let again = weekly.week(1, &week_2());
    assert_eq!(first, again, "a re-run must read exactly as the first run");
    assert_eq!(count(&weekly.history(), "periods"), 2);
    assert_eq!(count(&weekly.history(), "findings"), 4 + 3);
    // Week 1 again, after week 2: still two periods, week 2 unchanged.
    std::fs::write(weekly.export(), week_1()).unwrap();
    assert_eq!(
        weekly.run(&weekly.report_args(0, "json")).status.code(),
        Some(0)
    );
    assert_eq!(count(&weekly.history(), "periods"), 2);
    assert_eq!(weekly.week(1, &week_2()), first);
}

fn sign(weekly: &Weekly, extra: &[&str]) -> std::process::Output {
    let history = weekly.history();
    let mut args = vec![
        "review",
        "sign",
        "--history",
        history.to_str().unwrap(),
        "--reviewer",
        "Dana Lee",
        "--decision",
        "revoke G-1 today",
        "--decision",
        "G-4: ask Ana for a specific reason",
        "--now",
        "2026-11-16T10:30:00Z",
    ];
    args.extend_from_slice(extra);
    grantlint(&args)
}

#[test]
fn a_sign_off_is_shown_by_the_next_review_as_audit_evidence() {
    let weekly = Weekly::new();
    weekly.week(0, &week_1());
    let history = weekly.week(1, &week_2());
    let export = weekly.export();
    let out = sign(&weekly, &[export.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("by Dana Lee"), "{said}");
    assert!(said.contains("3 grants"), "{said}");

    let again = weekly.week(1, &week_2());
    let signed = &again["last_sign_off"];
    assert_eq!(signed["reviewer"], "Dana Lee");
    assert_eq!(signed["signed_at"], "2026-11-16T10:30:00Z");
    assert_eq!(
        signed["decisions"],
        serde_json::json!(["revoke G-1 today", "G-4: ask Ana for a specific reason"])
    );
    assert_eq!(signed["grants"], 3);
    assert_eq!(
        signed["inputs_sha256"],
        history["population"]["inputs_sha256"]
    );
    assert_eq!(signed["period"]["since"], "2026-11-09T00:00:00Z");
    assert_eq!(signed["matches_record"], true);
    let markdown =
        String::from_utf8(weekly.run(&weekly.report_args(1, "markdown")).stdout).unwrap();
    assert!(
        markdown.contains("Signed off by Dana Lee at 2026-11-16 10:30 UTC"),
        "{markdown}"
    );
    assert!(markdown.contains("- revoke G-1 today"), "{markdown}");

    // The hash the review shows signs too.
    let hash = history["population"]["inputs_sha256"].as_str().unwrap();
    let out = sign(&weekly, &["--inputs-sha256", hash]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn signing_an_unrecorded_period_or_changed_inputs_is_refused() {
    let weekly = Weekly::new();
    let export = weekly.export();
    let export = export.to_str().unwrap();
    // No history yet: nothing is created.
    std::fs::write(weekly.export(), week_1()).unwrap();
    let out = sign(&weekly, &[export]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("there is no history file here"),
        "{}",
        stderr(&out)
    );
    assert!(!weekly.history().exists());

    weekly.week(0, &week_1());
    let out = sign(
        &weekly,
        &["--since", "2026-10-05", "--until", "2026-10-11", export],
    );
    assert_eq!(out.status.code(), Some(2));
    let said = stderr(&out);
    assert!(
        said.contains("no review recorded for 2026-10-05 to 2026-10-12"),
        "{said}"
    );
    assert!(
        said.contains("recorded, latest first: 2026-11-02 to 2026-11-09"),
        "{said}"
    );

    // The export changed after the review was recorded: the reviewer did not read this.
    std::fs::write(weekly.export(), week_2()).unwrap();
    let out = sign(&weekly, &[export]);
    assert_eq!(out.status.code(), Some(2));
    let said = stderr(&out);
    assert!(
        said.contains(
            "the inputs changed since the review of 2026-11-02 to 2026-11-09 was recorded"
        ),
        "{said}"
    );
    assert!(said.contains("it reviewed 3 grants"), "{said}");
    assert_eq!(count(&weekly.history(), "signoffs"), 0);
}

/// Runs week 1's review on a history file holding `bytes`: it must fail naming the file and
/// leave every byte as it was.
fn refused(bytes: &[u8], says: &str) {
    let weekly = Weekly::new();
    std::fs::write(weekly.history(), bytes).unwrap();
    std::fs::write(weekly.export(), week_1()).unwrap();
    let out = weekly.run(&weekly.report_args(0, "markdown"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains(&format!("history {}", weekly.history().display())),
        "{said}"
    );
    assert!(said.contains(says), "{said}");
    assert!(out.stdout.is_empty(), "no review without its history");
    assert!(
        std::fs::read(weekly.history()).unwrap() == bytes,
        "the file was changed"
    );
    assert!(
        !weekly
            .dir
            .path()
            .join("review-history.sqlite-journal")
            .exists()
    );
}

#[test]
fn a_corrupt_history_is_an_error_and_left_byte_identical() {
    refused(
        b"grants, not a database\n".repeat(300).as_slice(),
        "not a readable SQLite database",
    );
    // A real history cut short.
    let weekly = Weekly::new();
    weekly.week(0, &week_1());
    let whole = std::fs::read(weekly.history()).unwrap();
    let mut damaged = whole[..whole.len() / 2].to_vec();
    damaged.resize(whole.len(), 0x5a);
    refused(&damaged, "not a readable SQLite database");
}

#[test]
fn a_newer_or_foreign_database_is_an_error_and_left_byte_identical() {
    let weekly = Weekly::new();
    weekly.week(0, &week_1());
    {
        let db = rusqlite::Connection::open(weekly.history()).unwrap();
        db.pragma_update(None, "user_version", 99).unwrap();
    }
    refused(
        &std::fs::read(weekly.history()).unwrap(),
        "written by a newer grantlint (schema version 99; this one reads up to 1)",
    );

    let other = tempfile::tempdir().unwrap();
    let path = other.path().join("app.db");
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('x');")
            .unwrap();
    }
    refused(&std::fs::read(&path).unwrap(), "not a grantlint history");
}

#[test]
fn runs_at_the_same_time_on_one_file_take_turns() {
    let weekly = Weekly::new();
    std::fs::write(weekly.export(), week_2()).unwrap();
    let binary = assert_cmd::cargo::cargo_bin("grantlint");
    // Two weeks, twice each, all at once, on a file none of them has created yet.
    let children: Vec<_> = [0, 1, 0, 1]
        .iter()
        .map(|&n| {
            std::process::Command::new(&binary)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args(weekly.report_args(n, "json"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let review: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(review["history"]["population"]["grants"].as_u64().unwrap() > 0);
    }
    assert_eq!(count(&weekly.history(), "periods"), 2);
    // Each period holds its findings once, whatever the order the runs took.
    let db = rusqlite::Connection::open(weekly.history()).unwrap();
    let per_period: Vec<i64> = db
        .prepare("SELECT count(*) FROM findings GROUP BY period_id ORDER BY period_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Week 1 over this export: G-1, G-2 ended late, G-3; week 2: G-1, G-2, G-4.
    assert_eq!(per_period, [3, 3]);
    let history = weekly.week(1, &week_2());
    assert_eq!(
        rows(&history, "still_open"),
        [
            row("expiry-enforced", "G-1", 2, 2),
            row("expiry-enforced", "G-2", 2, 2)
        ]
    );
}

#[test]
fn a_review_that_could_not_read_an_input_is_not_recorded() {
    let weekly = Weekly::new();
    std::fs::write(weekly.export(), week_1()).unwrap();
    let broken = weekly.dir.path().join("more.yaml");
    std::fs::write(&broken, "grants: [\n  {id: G-9, tenant: x\n").unwrap();
    let mut args = weekly.report_args(0, "json");
    args.push(broken.to_str().unwrap().to_string());
    let out = weekly.run(&args);
    assert_eq!(out.status.code(), Some(2));
    let said = stderr(&out);
    assert!(
        said.contains("not recorded, because an input could not be read"),
        "{said}"
    );
    // Next week would otherwise call every finding of the unread file fixed.
    assert!(!weekly.history().exists());
    let review: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(review.get("history"), None);
}

#[test]
fn the_history_is_never_an_input_nor_the_review_file() {
    let weekly = Weekly::new();
    std::fs::write(weekly.export(), week_1()).unwrap();
    let export = weekly.export().to_str().unwrap().to_string();
    let mut args = weekly.report_args(0, "json");
    *args
        .iter_mut()
        .find(|a| a.ends_with("review-history.sqlite"))
        .unwrap() = export.clone();
    let out = weekly.run(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is one of the inputs"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(weekly.export()).unwrap(), week_1());

    let mut args = weekly.report_args(0, "json");
    args.splice(
        1..1,
        ["-o".to_string(), weekly.history().display().to_string()],
    );
    let out = weekly.run(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--output and --history name one file"),
        "{}",
        stderr(&out)
    );
    assert!(!weekly.history().exists());

    // Without --history the JSON review is as before: no `history` key.
    let out = grantlint(&["report", "--format", "json", &export]);
    let review: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(review.get("history"), None);
}

#[test]
fn a_finding_waived_since_is_not_called_fixed() {
    let weekly = Weekly::new();
    weekly.week(0, &week_1());
    let policy = weekly.dir.path().join("grantlint.yaml");
    std::fs::write(
        &policy,
        "version: 1\nwaivers:\n  max_days: 30\n  entries:\n    - rule: expiry-enforced\n      grant: G-1\n      reason: the tenant's migration runs until December, CHG-2231\n      approver: Ravi Patel\n      expires: 2026-12-01\n",
    )
    .unwrap();
    std::fs::write(weekly.export(), week_2()).unwrap();
    let mut args = weekly.report_args(1, "json");
    args.splice(1..1, ["--policy".to_string(), policy.display().to_string()]);
    let out = weekly.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let review: Value = serde_json::from_slice(&out.stdout).unwrap();
    let history = &review["history"];
    assert_eq!(
        rows(history, "waived"),
        [row("expiry-enforced", "G-1", 1, 1)]
    );
    assert!(!rows(history, "fixed").iter().any(|r| r.1 == "G-1"));
    assert_eq!(rows(history, "still_open"), []);
}

#[test]
fn a_sign_off_says_when_its_period_was_recorded_again_from_other_inputs() {
    let weekly = Weekly::new();
    weekly.week(0, &week_1());
    let export = weekly.export();
    let out = sign(&weekly, &[export.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The export is changed and week 1 reviewed again: the sign-off stays, for what it covered.
    let history = weekly.week(0, &week_3());
    let signed = &history["last_sign_off"];
    assert_eq!(signed["grants"], 3);
    assert_eq!(signed["matches_record"], false);
    assert_eq!(history["population"]["grants"], 2);
    let markdown =
        String::from_utf8(weekly.run(&weekly.report_args(0, "markdown")).stdout).unwrap();
    assert!(
        markdown.contains("That period was recorded again since, from other inputs"),
        "{markdown}"
    );
}
