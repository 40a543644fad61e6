//! The review's numbers on the sample exports, and its escaping of hostile values.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::aggregate::{Inputs, Review, Settings, State};
use super::{Period, ReviewFormat};

use super::{Periods, Record, Tenants};
use crate::check::{GrantRecord, Outcome, check_with};
use crate::finding::{Suppressed, Suppression};
use crate::load::ReadOptions;
use crate::policy::Policy;
use crate::report::FailOn;

const NOW: &str = "2026-11-24T12:00:00Z";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Checks `paths` (relative to the crate) and keeps what the review needs.
fn run(paths: &[&str]) -> (Outcome, Vec<Record>, Policy, Tenants) {
    run_at(paths, t(NOW))
}

/// [`run`] with the checker's "now": the review's must be the same, as `report` makes it.
fn run_at(paths: &[&str], now: DateTime<Utc>) -> (Outcome, Vec<Record>, Policy, Tenants) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let paths: Vec<PathBuf> = paths.iter().map(|p| root.join(p)).collect();
    let options = ReadOptions::default();
    let (inputs, errors) = crate::discover::discover(&paths, &options);
    assert!(errors.is_empty());
    let policy = Policy::load(None).unwrap();
    let tenants = Tenants::default();
    let (outcome, records) = check_with(
        &inputs,
        &options,
        &policy,
        now,
        &Record::keep_whole(&tenants),
    );
    (outcome, records, policy, tenants)
}

fn review(
    (outcome, records, policy, tenants): (&Outcome, &[Record], &Policy, &Tenants),
    period: Period,
) -> Review {
    let settings = Settings::from_policy(policy, FailOn::Error);
    Review::build(&Inputs {
        records,
        tenants,
        outcome,
        settings: &settings,
        policy: &policy.name,
        period,
        now: t(NOW),
        rows: usize::MAX,
    })
}

/// The review of the week before NOW of `path`.
fn week_of(path: &str) -> Review {
    let (outcome, records, policy, tenants) = run(&[path]);
    review(
        (&outcome, &records, &policy, &tenants),
        Period::new(None, None, t(NOW)).unwrap(),
    )
}

fn samples() -> Review {
    week_of("fixtures/samples")
}

fn ids<'a>(ids: impl Iterator<Item = &'a Option<String>>) -> Vec<&'a str> {
    ids.map(|i| i.as_deref().unwrap_or("?")).collect()
}

#[test]
fn headline_counts_and_compares_with_the_week_before() {
    let r = samples();
    let h = &r.headline;
    // SUP-101 (Nov 16) is the only grant of the week before; T-4 has no start; SUP-104 starts
    // after now.
    assert_eq!((h.grants.current, h.grants.previous), (9, 1));
    assert_eq!((h.tenants.current, h.tenants.previous), (6, 1));
    assert_eq!((h.people.current, h.people.previous), (6, 1));
    assert_eq!((h.errors.current, h.errors.previous), (17, 0));
    // The week before: repeat-tenant points at SUP-101, the first of acme's four grants.
    assert_eq!((h.warnings.current, h.warnings.previous), (4, 1));
    assert_eq!(h.grants.delta(), "+8");
    assert!(!h.passed && h.passed_previous);
    assert_eq!(ids(r.undated.iter().map(|g| &g.id)), ["T-4"]);
    // Every finding of the period is listed under its rule.
    let listed: usize = r.findings.iter().map(|f| f.count).sum();
    assert_eq!(
        listed,
        h.errors.current + h.warnings.current + h.infos.current
    );
}

#[test]
fn closeout_lists_live_and_overdue_grants_most_urgent_first() {
    let r = samples();
    let got: Vec<(&str, State, Option<&str>, &str)> = r
        .closeout
        .iter()
        .map(|c| {
            (
                c.grant.id.as_deref().unwrap(),
                c.state,
                c.overdue.as_deref(),
                c.action,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("SUP-103", State::PastExpiry, Some("3d21h"), "revoke now"),
            ("T-2", State::PastExpiry, Some("1d2h"), "revoke now"),
            // No start, no expiry, no status: belongs to no period, may be standing access.
            (
                "T-4",
                State::Unknown,
                None,
                "unknown — check: nothing says when it started, when it ends or whether it is live"
            ),
            (
                "SUP-105",
                State::NoEndRecorded,
                None,
                "confirm removal: nothing records that access ended"
            ),
            (
                "T-3",
                State::EndedLate,
                Some("25m"),
                "confirm removal, and why expiry did not remove it"
            ),
        ]
    );
    assert_eq!(r.closeout[0].grant.owner.as_deref(), Some("Tomás Ortega"));
    assert_eq!(r.closeout[0].overdue_rounded.as_deref(), Some("3d21h"));
    assert_eq!(r.closeout[0].grant.ticket.as_deref(), Some("INC-5140"));
}

#[test]
fn a_grant_still_active_within_its_expiry_is_to_confirm_at_expiry() {
    // SUP-103 runs 14:00Z to 15:00Z; at 14:30Z it is live with 30m left.
    let now = t("2026-11-20T14:30:00Z");
    let (outcome, records, policy, tenants) = run_at(&["fixtures/samples/grants.yaml"], now);
    let settings = Settings::from_policy(&policy, FailOn::Error);
    let r = Review::build(&Inputs {
        records: &records,
        tenants: &tenants,
        outcome: &outcome,
        settings: &settings,
        policy: "default",
        period: Period::new(None, None, now).unwrap(),
        now,
        rows: usize::MAX,
    });
    let sup103 = r
        .closeout
        .iter()
        .find(|c| c.grant.id.as_deref() == Some("SUP-103"))
        .unwrap();
    assert_eq!(sup103.state, State::Active);
    assert_eq!(sup103.action, "confirm removal at expiry");
    assert_eq!(sup103.overdue, None);
}

#[test]
fn repeat_tenants_show_their_grants_side_by_side() {
    let r = samples();
    assert_eq!(r.repeat_tenants.len(), 1);
    let acme = &r.repeat_tenants[0];
    assert_eq!(acme.tenant, "acme-prod-eu");
    assert_eq!(
        ids(acme.grants.iter().map(|g| &g.id)),
        ["SUP-101", "SUP-102", "SUP-103", "CS-2231"]
    );
    assert_eq!(acme.grants[2].reason.as_deref(), Some("Support issue."));

    // With a period a month later, none of acme's grants is in it: no repeat tenant.
    let (outcome, records, policy, tenants) = run(&["fixtures/samples"]);
    let later = Period::new(
        Some(t("2026-12-20T00:00:00Z")),
        Some(t("2026-12-27T00:00:00Z")),
        t(NOW),
    )
    .unwrap();
    let r = review((&outcome, &records, &policy, &tenants), later);
    assert!(r.repeat_tenants.is_empty());
    assert_eq!(r.headline.grants.current, 0);
}

#[test]
fn people_windows_and_days() {
    let r = samples();
    let p = &r.people;
    assert_eq!(ids(p.self_approvals.iter().map(|g| &g.id)), ["SUP-105"]);
    assert_eq!(p.late_approvals.len(), 1);
    assert_eq!(p.late_approvals[0].after, "30m");
    assert_eq!(p.grantees[0].name, "Ana Silva");
    assert_eq!(p.grantees[0].grants, 2);
    // "Ravi Patel" and "Ravi Patel, on-call engineering manager" are one approver.
    let approvers: Vec<(&str, usize)> = p
        .approvers
        .iter()
        .map(|n| (n.name.as_str(), n.grants))
        .collect();
    assert_eq!(&approvers[..2], [("Omar Haddad", 2), ("Ravi Patel", 2)]);

    let w = &r.windows;
    let histogram: Vec<usize> = w.histogram.iter().map(|b| b.grants).collect();
    assert_eq!(histogram, [1, 3, 2, 0, 1, 1]);
    assert_eq!(w.measured, 8);
    assert_eq!(w.median.as_deref(), Some("1h15m"));
    // TenantAdmin, Owner, Global Administrator.
    assert_eq!(w.privileged, 3);

    let days: Vec<usize> = r.grants_per_day.iter().map(|d| d.grants).collect();
    // Nov 17 to Nov 24: SUP-102 (18th), T-1 (19th), SUP-103 and T-2 (20th), T-3 and SUP-105 (21st),
    // PAM-77 (22nd), PAM-78 and CS-2231 (23rd).
    assert_eq!(days, [0, 1, 1, 2, 2, 1, 2, 0]);
    assert_eq!(r.top_tenants[0].name, "acme-prod-eu");
}

#[test]
fn waived_and_baselined_findings_have_their_own_section() {
    let (mut outcome, records, policy, tenants) = run(&["fixtures/samples/grants.yaml"]);
    let moved = outcome
        .findings
        .iter()
        .position(|f| f.rule == "window-max")
        .unwrap();
    let moved = outcome.findings.remove(moved);
    assert_eq!(moved.grant.as_deref(), Some("SUP-102"));
    let baselined = outcome
        .findings
        .iter()
        .position(|f| f.grant.as_deref() == Some("SUP-105"))
        .unwrap();
    let baselined = outcome.findings.remove(baselined);
    outcome.suppressed = vec![
        Suppressed {
            finding: moved,
            by: Suppression::Waiver {
                reason: "Month-end reconciliation needs <6h> | agreed".into(),
                approver: "Ravi Patel".into(),
                expires: t("2026-12-01T00:00:00Z"),
            },
        },
        Suppressed {
            finding: baselined,
            by: Suppression::Baseline,
        },
    ];
    let r = review(
        (&outcome, &records, &policy, &tenants),
        Period::new(None, None, t(NOW)).unwrap(),
    );
    assert_eq!(r.suppressed.len(), 2);
    assert_eq!(r.suppressed[0].rule, "window-max");
    assert_eq!(r.suppressed[0].by, "waiver");
    assert_eq!(
        r.suppressed[0].finding.grantee.as_deref(),
        Some("Mina Chen")
    );
    assert_eq!(r.suppressed[1].by, "baseline");
    // Suppressed findings do not count against the period.
    assert!(r.findings.iter().all(|f| f.rule != "window-max"));

    let md = r.render(ReviewFormat::Markdown);
    assert!(
        md.contains("| window-max | SUP-102 | acme-prod-eu | access window is 6h, above the 4h maximum | waiver | Month-end reconciliation needs &lt;6h&gt; \\| agreed | Ravi Patel | 2026-12-01 00:00 |"),
        "{md}"
    );
    let html = r.render(ReviewFormat::Html);
    assert!(html.contains("Month-end reconciliation needs &lt;6h&gt; | agreed"));
    assert!(html.contains("<td>baseline</td>"));
    let json: serde_json::Value = serde_json::from_str(&r.render(ReviewFormat::Json)).unwrap();
    assert_eq!(json["suppressed"][0]["expires"], "2026-12-01T00:00:00Z");
}

fn hostile() -> Review {
    week_of("fixtures/review/hostile.yaml")
}

#[test]
fn html_shows_hostile_values_as_text() {
    let html = hostile().render(ReviewFormat::Html);
    // Our own script is the only one, and no export value is in it.
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    let script = &html[html.find("<script>").unwrap()..];
    assert_eq!(
        script,
        format!(
            "<script>{}</script></body></html>\n",
            include_str!("report.js")
        )
    );
    for raw in [
        "<b>bold",
        "<img",
        "alert(3)</script>",
        "</td></tr><script>",
        "</script><script>alert(5)",
    ] {
        assert!(!html.contains(raw), "{raw} leaked: {html}");
    }
    // Text content.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; | pipes | and\nnewlines"));
    assert!(html.contains("H-1 &lt;b&gt;bold&lt;/b&gt;"));
    // Attribute context: the reason's title cannot close its quote.
    assert!(html.contains("title=\"&lt;script&gt;alert(1)&lt;/script&gt; | pipes"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    // The tenant appears in the chart's SVG text as text too.
    assert!(
        html.contains(
            "<text x=\"164\" y=\"18\" text-anchor=\"end\" class=\"label\">acme|prod</text>"
        ),
        "{html}"
    );
}

#[test]
fn markdown_keeps_hostile_values_in_their_cells() {
    let md = hostile().render(ReviewFormat::Markdown);
    assert!(!md.contains("<script"), "{md}");
    assert!(!md.contains("<img"), "{md}");
    let row = md
        .lines()
        .find(|l| l.starts_with("| H-1"))
        .unwrap_or_else(|| panic!("{md}"));
    // Ten columns: eleven unescaped pipes, whatever the values hold.
    let unescaped = row
        .char_indices()
        .filter(|&(i, c)| c == '|' && !row[..i].ends_with('\\'))
        .count();
    assert_eq!(unescaped, 11, "{row}");
    assert!(row.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\| pipes \\| and<br>newlines, \\*\\*bold\\*\\* \\[link\\](javascript:alert(4))"), "{row}");
    assert!(row.contains("acme\\|prod"));
}

#[test]
fn json_has_the_same_aggregates() {
    let r = samples();
    let json: serde_json::Value = serde_json::from_str(&r.render(ReviewFormat::Json)).unwrap();
    assert_eq!(json["headline"]["grants"]["current"], 9);
    assert_eq!(json["headline"]["grants"]["previous"], 1);
    assert_eq!(json["period"]["since"], "2026-11-17T12:00:00Z");
    assert_eq!(json["closeout"][0]["state"], "past-expiry");
    assert_eq!(
        json["repeat_tenants"][0]["grants"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(json["grants"].as_array().unwrap().len(), 9);
    assert_eq!(json["tool"]["name"], "grantlint");
}

#[test]
fn durations_are_rounded_for_people_never_to_the_second() {
    use super::aggregate::rounded;
    let d = |s: i64| chrono::TimeDelta::seconds(s);
    // 14 days, 5 hours, 54 minutes and 9 seconds: to the hour from a day on.
    assert_eq!(rounded(d(14 * 86_400 + 5 * 3_600 + 54 * 60 + 9)), "14d6h");
    // Below a day: to the minute.
    assert_eq!(rounded(d(5 * 3_600 + 54 * 60 + 31)), "5h55m");
    assert_eq!(rounded(d(25 * 60)), "25m");
    assert_eq!(rounded(d(20)), "<1m");
    assert_eq!(rounded(d(86_400 + 29 * 60)), "1d");
}

#[test]
fn findings_are_ordered_by_risk_then_by_count() {
    let r = samples();
    let rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    // expiry-enforced (3) first, self-approval (1) and shared-account (1) before
    // approver-named (3), which has more findings but is less dangerous.
    assert_eq!(
        &rules[..5],
        [
            "expiry-enforced",
            "self-approval",
            "shared-account",
            "admin-justified",
            "approver-named"
        ]
    );
}

#[test]
fn a_repeat_tenants_reasons_are_grouped_into_recurring_problems() {
    use super::aggregate::{RepeatGrant, problems};
    let grant = |id: &str, ticket: &str, reason: &str| RepeatGrant {
        id: Some(id.into()),
        start: t(NOW),
        grantee: None,
        reason: Some(reason.into()),
        ticket: Some(ticket.into()),
    };
    let grants = [
        grant(
            "G-1",
            "INC-1",
            "SSO login fails for new users after IdP group update",
        ),
        grant(
            "G-2",
            "INC-2",
            "Restart stuck invoice sync and confirm totals",
        ),
        grant("G-3", "INC-3", "Investigate failed SSO login for new users"),
        grant(
            "G-4",
            "INC-4",
            "sso LOGIN failing again for new users (IdP)",
        ),
        grant("G-5", "INC-5", "Invoice sync stuck again: restart it"),
        grant("G-6", "INC-6", "SSO login fails after IdP group update"),
    ];
    let found = problems(grants.iter());
    let summary: Vec<(usize, &[String], &[String])> = found
        .iter()
        .map(|p| (p.grants, &p.ids[..], &p.tickets[..]))
        .collect();
    assert_eq!(found[0].grants, 4, "{summary:?}");
    assert_eq!(found[0].tickets, ["INC-1", "INC-3", "INC-4", "INC-6"]);
    assert_eq!(
        found[0].reason,
        "SSO login fails for new users after IdP group update"
    );
    assert!(
        found[0].words.contains(&"sso".to_string()),
        "{:?}",
        found[0].words
    );
    assert_eq!(found[1].grants, 2, "{summary:?}");
    assert_eq!(found[1].ids, ["G-2", "G-5"]);
    assert_eq!(found.len(), 2);
}

/// The review's compact record of a grant holds what the reporters' record holds: each text
/// (absent or empty told apart), the approvers one by one, the times, the place.
#[test]
fn a_record_keeps_every_text_and_time_of_its_grant() {
    let samples = [
        "fixtures/samples/grants.yaml",
        "fixtures/samples/grants.json",
        "fixtures/samples/tickets.csv",
        "fixtures/samples/article-example.yaml",
        "fixtures/review",
    ];
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let paths: Vec<PathBuf> = samples.iter().map(|p| root.join(p)).collect();
    let options = ReadOptions::default();
    let (inputs, _) = crate::discover::discover(&paths, &options);
    let policy = Policy::load(None).unwrap();
    let now = t(NOW);
    let (_, full) = check_with(&inputs, &options, &policy, now, &GrantRecord::keep);
    let tenants = Tenants::default();
    let (_, kept) = check_with(
        &inputs,
        &options,
        &policy,
        now,
        &Record::keep_whole(&tenants),
    );
    assert_eq!(full.len(), kept.len());
    let mut several = 0;
    for (full, kept) in full.iter().zip(&kept) {
        assert_eq!(kept.grant_text(), full.text);
        let approvers: Vec<&str> = kept.approvers().collect();
        assert_eq!(approvers, full.approvers);
        several += usize::from(approvers.len() > 1);
        assert_eq!(kept.owner(), full.owner.as_deref());
        assert_eq!(kept.ticket(), full.ticket.as_deref());
        assert_eq!(kept.status(), full.status.as_deref());
        assert_eq!(
            (kept.approved_at(), kept.start, kept.expires()),
            (full.approved_at, full.start, full.expires)
        );
        assert_eq!(
            (kept.extended_until(), kept.ended_at()),
            (full.extended_until, full.ended_at)
        );
        assert_eq!(
            (kept.file as usize, kept.line, kept.column),
            (full.file, full.span.line, full.span.column)
        );
    }
    assert!(
        several > 0,
        "no grant with several approvers in the samples"
    );
}

/// `report` keeps a grant in neither the period nor the one before as a stand-in
/// (`Record::keep_for`) and reads again those a shown repeat-tenant span reaches
/// (`Review::stand_ins_shown`, `refill`): every review built so is the one built from every
/// text of every grant, in each format, for the pages' rows and for every row.
#[test]
fn a_review_from_the_periods_records_is_the_review_from_every_record() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let paths: Vec<PathBuf> = ["fixtures/samples", "fixtures/review"]
        .iter()
        .map(|p| root.join(p))
        .collect();
    let options = ReadOptions::default();
    let (inputs, _) = crate::discover::discover(&paths, &options);
    let policy = Policy::load(None).unwrap();
    let settings = Settings::from_policy(&policy, FailOn::Error);
    let now = t(NOW);
    let all_tenants = Tenants::default();
    let keep = Record::keep_whole(&all_tenants);
    let (outcome, every) = check_with(&inputs, &options, &policy, now, &keep);
    let (mut outside, mut read_again) = (0, 0);
    for weeks in -3..=1 {
        for rows in [super::show::ROWS, usize::MAX] {
            let until = now + chrono::TimeDelta::weeks(weeks);
            let period = Period::new(None, Some(until), now).unwrap();
            let shown = Periods {
                settings: &settings,
                period,
                now,
            };
            let tenants = Tenants::default();
            let keep = Record::keep_for(shown, &tenants);
            let (_, mut kept) = check_with(&inputs, &options, &policy, now, &keep);
            let every = Inputs {
                records: &every,
                tenants: &all_tenants,
                outcome: &outcome,
                settings: &settings,
                policy: &policy.name,
                period,
                now,
                rows,
            };
            let stand_ins = kept.iter().filter(|r| r.outside()).count();
            outside += stand_ins;
            assert!(
                kept.iter()
                    .filter(|r| r.outside())
                    .all(|r| r.id().is_none())
            );
            let wanted = Review::stand_ins_shown(&Inputs {
                records: &kept,
                tenants: &tenants,
                ..every
            });
            read_again += wanted.len();
            let reading = policy.reading_only();
            super::refill(
                &mut kept,
                &wanted,
                &tenants,
                shown,
                &outcome.files,
                |keep| check_with(&inputs, &options, &reading, now, keep).1,
            )
            .unwrap();
            assert_eq!(
                kept.iter().filter(|r| r.outside()).count(),
                stand_ins - wanted.len()
            );
            let (expected, got) = (
                Review::build(&every),
                Review::build(&Inputs {
                    records: &kept,
                    tenants: &tenants,
                    ..every
                }),
            );
            for format in [
                ReviewFormat::Json,
                ReviewFormat::Markdown,
                ReviewFormat::Html,
            ] {
                assert_eq!(got.render(format), expected.render(format), "{until}");
            }
        }
    }
    assert!(outside > 0, "no grant outside the periods in the samples");
    assert!(
        read_again > 0,
        "no repeat span reaches a grant outside the periods"
    );
}

/// The stand-ins are read again by place: a grant that is not where it was, not the same
/// grant (another start or tenant), or no longer outside the periods (the file changed
/// between the readings) is an error naming the file and the place, never a review mixing
/// two versions of a file.
#[test]
fn a_file_changed_between_the_two_readings_is_an_error() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let options = ReadOptions::default();
    let (inputs, _) = crate::discover::discover(&[root.join("fixtures/samples")], &options);
    let policy = Policy::load(None).unwrap();
    let settings = Settings::from_policy(&policy, FailOn::Error);
    let now = t(NOW);
    let period = Period::new(None, Some(t("2026-12-08T00:00:00Z")), now).unwrap();
    let shown = Periods {
        settings: &settings,
        period,
        now,
    };
    let tenants = Tenants::default();
    let (outcome, kept) = check_with(
        &inputs,
        &options,
        &policy,
        now,
        &Record::keep_for(shown, &tenants),
    );
    let wanted: Vec<usize> = (0..kept.len()).filter(|&i| kept[i].outside()).collect();
    assert!(wanted.len() > 1);
    let reading = policy.reading_only();
    let again = |change: &dyn Fn(&mut Vec<Record>)| {
        let mut records = kept.clone();
        super::refill(
            &mut records,
            &wanted,
            &tenants,
            shown,
            &outcome.files,
            |keep| {
                let mut read = check_with(&inputs, &options, &reading, now, keep).1;
                change(&mut read);
                read
            },
        )
        .map(|()| records)
    };
    let whole = again(&|_| {}).unwrap();
    assert!(whole.iter().all(|r| !r.outside()));
    // A stand-in that started before the period's end, read again as live into the period.
    let before_end = wanted
        .iter()
        .map(|&i| &kept[i])
        .find(|r| r.start.is_some_and(|s| s < period.until))
        .map(|r| (r.file, r.line, r.column))
        .unwrap();
    let errors = [
        again(&|read| read[0].start = read[0].start.map(|s| s + chrono::TimeDelta::hours(1))),
        again(&|read| read[0].tenant = None),
        again(&|read| drop(read.pop())),
        again(&|read| {
            let r = (read.iter_mut())
                .find(|r| (r.file, r.line, r.column) == before_end)
                .unwrap();
            let details = r.details.as_deref_mut().unwrap();
            details.ended_at = Some(now + chrono::TimeDelta::days(1));
        }),
    ];
    for error in errors {
        let error = error.unwrap_err();
        assert!(
            error.contains("fixtures/samples/")
                && error.contains("changed while the review read it"),
            "{error}"
        );
    }
}
