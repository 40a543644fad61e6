//! `check` and `report` agree: run on the same exports with the same policy and `--now`, every
//! finding the weekly review shows (in its findings, closeout, self-approvals and repeat
//! tenants) is a finding of `check` on the same grant, and every finding of `check` on a grant
//! the review covers is in the review. Issue 25: the review used to judge grants again, and
//! disagreed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, grantlint};

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// The shared fixtures, each checked with the policy it is written for (the default else).
const CASES: &[(&[&str], Option<&str>)] = &[
    (&["fixtures/samples"], None),
    (&["fixtures/messy"], None),
    (&["fixtures/review"], None),
    (&["fixtures/rules"], None),
    (&["fixtures/custom"], None),
    (&["fixtures/scalars"], None),
    (&["fixtures/sources"], None),
    (&["fixtures/aws-team"], None),
    (&["fixtures/entra-pim"], None),
    (&["fixtures/gcp-pam"], None),
    (&["fixtures/jira"], None),
    (&["fixtures/okta"], None),
    (&["fixtures/opal"], None),
    (&["fixtures/servicenow"], None),
    (&["fixtures/teleport"], None),
    (&["fixtures/ci"], Some("fixtures/ci/policy-waivers.yaml")),
    (&["fixtures/people"], Some("fixtures/people/policy.yaml")),
];

/// A period that holds every grant with a readable start, so the review covers them all.
const EVERY_GRANT: [&str; 4] = ["--since", "2000-01-01", "--until", "2100-01-01"];

/// `grantlint COMMAND --format json --now NOW [--policy P] ARGS… PATHS…`, parsed.
fn run(command: &str, policy: Option<&str>, args: &[&str], paths: &[&str]) -> Value {
    let mut all = vec![command, "--format", "json", "--now", NOW];
    if let Some(policy) = policy {
        all.extend(["--policy", policy]);
    }
    all.extend_from_slice(args);
    all.extend_from_slice(paths);
    let out = grantlint(&all);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{all:?}: {e}\n{}", String::from_utf8_lossy(&out.stderr)))
}

/// A grant, as both name it: its file and the line it starts on.
type GrantKey = (String, u64);

/// A finding, as both print it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Seen {
    rule: String,
    file: String,
    line: u64,
    column: u64,
    message: String,
}

fn seen(rule: &str, f: &Value) -> Seen {
    Seen {
        rule: rule.to_string(),
        file: f["file"].as_str().unwrap().to_string(),
        line: f["line"].as_u64().unwrap(),
        column: f["column"].as_u64().unwrap(),
        message: f["message"].as_str().unwrap().to_string(),
    }
}

fn list(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not a list: {v}"))
}

/// What `check` found, each finding with the grant it is in (the last grant of its file that
/// starts at or before it), out of the grants the review lists.
struct Checked {
    /// Open findings, then suppressed ones.
    open: Vec<(Value, Option<GrantKey>)>,
    suppressed: Vec<(Value, Option<GrantKey>)>,
}

impl Checked {
    fn new(check: &Value, grants: &BTreeSet<GrantKey>) -> Checked {
        let mut starts: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for (file, line) in grants {
            starts.entry(file).or_default().push(*line);
        }
        let locate = |f: &Value| -> Option<GrantKey> {
            let file = f["file"].as_str()?;
            let line = f["line"].as_u64()?;
            let before = starts.get(file)?.iter().filter(|&&l| l <= line).max()?;
            Some((file.to_string(), *before))
        };
        // `suppressed` is left out when there are none.
        let located = |key: &str| {
            check[key]
                .as_array()
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|f| (f.clone(), locate(f)))
                .collect()
        };
        Checked {
            open: located("findings"),
            suppressed: located("suppressed"),
        }
    }

    /// The grants `rule` found something in (in `field`, if given), waived or not.
    fn grants(
        &self,
        rule: &str,
        field: Option<&str>,
        dated: &BTreeSet<GrantKey>,
    ) -> BTreeSet<GrantKey> {
        self.open
            .iter()
            .chain(&self.suppressed)
            .filter(|(f, _)| f["rule"] == rule && field.is_none_or(|field| f["field"] == field))
            .filter_map(|(_, g)| g.clone())
            .filter(|g| dated.contains(g))
            .collect()
    }
}

fn key(v: &Value) -> GrantKey {
    (
        v["file"].as_str().unwrap().to_string(),
        v["line"].as_u64().unwrap(),
    )
}

/// How much of each kind the cases compared, so a run that compares nothing fails.
#[derive(Default, Debug)]
struct Compared {
    findings: usize,
    suppressed: usize,
    ended_late: usize,
    past_expiry: usize,
    self_approvals: usize,
    repeat_tenants: usize,
}

/// Runs both commands on `paths` and asserts that they agree.
fn agree(paths: &[&str], policy: Option<&str>, compared: &mut Compared) {
    let check = run("check", policy, &[], paths);
    let review = run("report", policy, &EVERY_GRANT, paths);
    let case = format!("{paths:?} {policy:?}");
    let dated: BTreeSet<GrantKey> = list(&review["grants"]).iter().map(key).collect();
    let mut all = dated.clone();
    all.extend(list(&review["undated"]).iter().map(key));
    let checked = Checked::new(&check, &all);

    // The findings sections: the review's are check's findings on the grants it covers.
    let on_dated = |found: &[(Value, Option<GrantKey>)]| -> BTreeSet<Seen> {
        found
            .iter()
            .filter(|(_, g)| g.as_ref().is_some_and(|g| dated.contains(g)))
            .map(|(f, _)| seen(f["rule"].as_str().unwrap(), f))
            .collect()
    };
    let shown: BTreeSet<Seen> = list(&review["findings"])
        .iter()
        .flat_map(|rule| {
            let id = rule["rule"].as_str().unwrap();
            list(&rule["findings"]).iter().map(move |f| seen(id, f))
        })
        .collect();
    assert_eq!(shown, on_dated(&checked.open), "{case}: open findings");
    let waived: BTreeSet<Seen> = list(&review["suppressed"])
        .iter()
        .map(|s| seen(s["rule"].as_str().unwrap(), &s["finding"]))
        .collect();
    assert_eq!(
        waived,
        on_dated(&checked.suppressed),
        "{case}: waived findings"
    );
    compared.findings += shown.len();
    compared.suppressed += waived.len();

    // Ended late and past expiry: expiry-enforced's findings, by ended_at and by status.
    let in_state = |state: &str| -> BTreeSet<GrantKey> {
        list(&review["grants"])
            .iter()
            .filter(|g| g["state"] == state)
            .map(key)
            .collect()
    };
    let ended_late = checked.grants("expiry-enforced", Some("ended_at"), &dated);
    let past_expiry = checked.grants("expiry-enforced", Some("status"), &dated);
    assert_eq!(in_state("ended-late"), ended_late, "{case}: ended late");
    assert_eq!(in_state("past-expiry"), past_expiry, "{case}: past expiry");
    compared.ended_late += ended_late.len();
    compared.past_expiry += past_expiry.len();
    // The closeout's overdue is the time the finding says.
    for row in list(&review["closeout"]) {
        let grant = key(&row["grant"]);
        let Some(overdue) = row["overdue"].as_str() else {
            continue;
        };
        if !matches!(row["state"].as_str(), Some("ended-late" | "past-expiry")) {
            continue;
        }
        let said = checked
            .open
            .iter()
            .chain(&checked.suppressed)
            .filter(|(f, g)| f["rule"] == "expiry-enforced" && g.as_ref() == Some(&grant))
            .map(|(f, _)| f["message"].as_str().unwrap())
            .collect::<Vec<_>>();
        assert!(
            said.iter()
                .any(|m| m.contains(&format!(" {overdue} after its expiry"))
                    || m.contains(&format!(" {overdue} after it expired"))),
            "{case}: {grant:?} overdue {overdue}, check says {said:?}"
        );
    }

    // Self-approvals: self-approval's findings.
    let self_approvals: BTreeSet<GrantKey> = list(&review["people"]["self_approvals"])
        .iter()
        .map(key)
        .collect();
    let found = checked.grants("self-approval", None, &dated);
    assert_eq!(self_approvals, found, "{case}: self-approvals");
    compared.self_approvals += found.len();

    // Repeat tenants: repeat-tenant's findings, each the tenant's busiest span of grants.
    let repeats: BTreeSet<(String, Vec<String>)> = list(&review["repeat_tenants"])
        .iter()
        .map(|t| {
            let ids = list(&t["grants"])
                .iter()
                .filter_map(|g| g["id"].as_str().map(str::to_string))
                .collect();
            (t["tenant"].as_str().unwrap().to_string(), ids)
        })
        .collect();
    let found: BTreeSet<(String, Vec<String>)> = checked
        .open
        .iter()
        .chain(&checked.suppressed)
        .filter(|(f, _)| f["rule"] == "repeat-tenant")
        .map(|(f, _)| {
            let mut ids = vec![f["grant"].as_str().unwrap().to_string()];
            ids.extend(
                list(&f["related"])
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string()),
            );
            (f["tenant"].as_str().unwrap().to_string(), ids)
        })
        .collect();
    assert_eq!(repeats, found, "{case}: repeat tenants");
    compared.repeat_tenants += found.len();
}

#[test]
fn check_and_report_agree_on_the_shared_fixtures() {
    let mut compared = Compared::default();
    for (paths, policy) in CASES {
        agree(paths, *policy, &mut compared);
    }
    // Every kind was compared somewhere: an empty comparison proves nothing.
    let Compared {
        findings,
        suppressed,
        ended_late,
        past_expiry,
        self_approvals,
        repeat_tenants,
    } = compared;
    for (what, n) in [
        ("findings", findings),
        ("suppressed", suppressed),
        ("ended late", ended_late),
        ("past expiry", past_expiry),
        ("self-approvals", self_approvals),
        ("repeat tenants", repeat_tenants),
    ] {
        assert!(n > 0, "no {what} compared: {compared:?}");
    }
}

/// The grant's state in the review, and its overdue time in the closeout.
fn state_of(review: &Value, id: &str) -> (String, Option<String>) {
    let row = list(&review["grants"])
        .iter()
        .find(|g| g["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {review}"));
    let overdue = list(&review["closeout"])
        .iter()
        .find(|c| c["grant"]["id"] == id)
        .and_then(|c| c["overdue"].as_str().map(str::to_string));
    (row["state"].as_str().unwrap().to_string(), overdue)
}

/// `check` and `report` (default policy) on `paths`, after asserting that they agree.
fn both(paths: &[&str]) -> (Value, Value) {
    agree(paths, None, &mut Compared::default());
    (
        run("check", None, &[], paths),
        run("report", None, &EVERY_GRANT, paths),
    )
}

/// [`both`] on `text`, written to a file of its own.
fn both_on(text: &str) -> (Value, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grants.yaml");
    std::fs::write(&path, text).unwrap();
    both(&[path.to_str().unwrap()])
}

fn messages(check: &Value, rule: &str) -> Vec<String> {
    list(&check["findings"])
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// Issue 25, first disagreement: extended to 14:00, ended at 13:30, the grant ended on time.
/// Without the extension, both call it 1h30m late.
#[test]
fn an_extension_moves_the_expiry_for_both() {
    let fixture = "fixtures/review/extended.yaml";
    let (check, review) = both(&[fixture]);
    assert!(messages(&check, "expiry-enforced").is_empty());
    assert_eq!(state_of(&review, "SUP-401"), ("ended".into(), None));
    assert!(
        list(&review["closeout"]).is_empty(),
        "{}",
        review["closeout"]
    );

    let unextended: String = std::fs::read_to_string(fixture)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("extensions:") && !l.contains("until:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (check, review) = both_on(&unextended);
    assert_eq!(
        messages(&check, "expiry-enforced"),
        ["access ended 1h30m after its expiry"]
    );
    assert_eq!(
        state_of(&review, "SUP-401"),
        ("ended-late".into(), Some("1h30m".into()))
    );
}

/// Issue 25, second disagreement: "acme corp", "Acme  Corp." and "acme corp!" are three
/// tenants to repeat-tenant, so to the review too; spellings that differ in case alone are one.
#[test]
fn tenants_are_told_apart_as_repeat_tenant_tells_them() {
    let fixture = "fixtures/review/tenant-spelling.yaml";
    let (check, review) = both(&[fixture]);
    assert!(messages(&check, "repeat-tenant").is_empty());
    assert!(list(&review["repeat_tenants"]).is_empty(), "{review}");
    assert_eq!(review["headline"]["tenants"]["current"], 3);

    let one_tenant = std::fs::read_to_string(fixture)
        .unwrap()
        .replace("tenant: Acme  Corp.", "tenant: ACME CORP")
        .replace("tenant: acme corp!", "tenant: ' Acme Corp '");
    let (check, review) = both_on(&one_tenant);
    assert_eq!(
        messages(&check, "repeat-tenant"),
        ["tenant `acme corp` needed access 3 times within 30d (threshold 3)"]
    );
    let tenants = list(&review["repeat_tenants"]);
    assert_eq!(tenants.len(), 1, "{review}");
    assert_eq!(tenants[0]["tenant"], "acme corp");
    assert_eq!(list(&tenants[0]["grants"]).len(), 3);
    assert_eq!(review["headline"]["tenants"]["current"], 1);
}

/// The policy's people directory sees through email and aliases, for self-approval and so for
/// the review's self-approvals (which once compared names alone).
#[test]
fn a_people_directory_gives_both_the_same_self_approvals() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["policy.yaml", "staff.yaml"] {
        std::fs::copy(format!("fixtures/people/{file}"), dir.path().join(file)).unwrap();
    }
    let grants = dir.path().join("grants.yaml");
    std::fs::write(
        &grants,
        "- {id: P-3, grantee: Mina Chen, approver: MINA.CHEN@acme.io, \
         start: 2026-11-23T08:00:00Z, expires: 2026-11-23T09:00:00Z}\n",
    )
    .unwrap();
    let policy = dir.path().join("policy.yaml");
    let (policy, grants) = (policy.to_str().unwrap(), grants.to_str().unwrap());
    let check = run("check", Some(policy), &[], &[grants]);
    let review = run("report", Some(policy), &EVERY_GRANT, &[grants]);
    assert_eq!(
        messages(&check, "self-approval"),
        ["`Mina Chen` approved their own access"]
    );
    let ids: Vec<&Value> = list(&review["people"]["self_approvals"])
        .iter()
        .map(|g| &g["id"])
        .collect();
    assert_eq!(ids, ["P-3"]);
    agree(&[grants], Some(policy), &mut Compared::default());
}
