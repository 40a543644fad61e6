//! The review's "Week over week" section (`report --history FILE`): what `history` recorded
//! and answered, for the Markdown and HTML pages (the JSON review carries it as `history`).
//! Here too the numbers are not recomputed: the period's grants and findings are the ones the
//! aggregate chose ([`Scope`]), and their identities are the reports' fingerprints.

use std::fmt::Write;

use maud::{Markup, html};

use super::aggregate::{Inputs, Review};
use super::markdown::cell;
use crate::history::{
    InputDigest, Observation, Observed, SignOff, Tracked, WeekOverWeek, grant_key,
};

/// How many rows each list shows on a page; the JSON review has them all.
const ROWS: usize = 50;

/// What the period holds, as the aggregate chose it: indices into the grants read and into
/// the outcome's findings. Not part of the JSON review.
#[derive(Debug, Default)]
pub struct Scope {
    pub grants: Vec<usize>,
    pub findings: Vec<usize>,
}

/// What the review records in the history: the period, its population and its findings,
/// each by the fingerprint SARIF and GitLab use.
pub fn observed(review: &Review, inputs: &Inputs, digests: Vec<InputDigest>) -> Observed {
    let outcome = inputs.outcome;
    let prints = crate::report::fingerprint::fingerprints(&outcome.fields, &outcome.findings);
    let findings = (review.scope.findings.iter())
        .filter_map(|&i| Some((outcome.findings.get(i)?, prints.get(i)?)))
        .map(|(f, print)| Observation {
            fingerprint: print.clone(),
            rule: f.rule.to_string(),
            grant: f.grant.as_deref().map(str::to_string),
            tenant: f.tenant.as_deref().map(str::to_string),
            severity: f.severity,
        })
        .collect();
    let reviewed = (review.scope.grants.iter())
        .filter_map(|&g| inputs.records.get(g))
        .map(|r| grant_key(r.id(), r.tenant()))
        .collect();
    let waived = crate::report::fingerprint::fingerprints(
        &outcome.fields,
        outcome.suppressed.iter().map(|s| &s.finding),
    )
    .into_iter()
    .collect();
    Observed {
        since: review.period.since,
        until: review.period.until,
        policy: review.policy.clone(),
        grants: review.scope.grants.len(),
        inputs: digests,
        findings,
        reviewed,
        waived,
    }
}

/// The lists of findings, in the order the section shows them.
fn lists(h: &WeekOverWeek) -> [(&'static str, &'static str, &[Tracked]); 5] {
    [
        ("new", "New", &h.new),
        ("still-open", "Still open", &h.still_open),
        ("fixed", "Fixed", &h.fixed),
        ("waived", "Waived since", &h.waived),
        (
            "not-reviewed",
            "Not reviewed again (the grant is not in this period)",
            &h.not_reviewed,
        ),
    ]
}

fn compared_with(h: &WeekOverWeek) -> String {
    match &h.previous {
        Some(p) => format!("compared with the recorded review of {}", p.label()),
        None => "the first review this history holds: nothing to compare with yet".into(),
    }
}

fn population(h: &WeekOverWeek) -> String {
    let p = &h.population;
    format!(
        "Population recorded for {}: {} grants; inputs SHA-256 {} ({} file{}).",
        p.period.label(),
        p.grants,
        p.inputs_sha256,
        p.inputs.len(),
        if p.inputs.len() == 1 { "" } else { "s" }
    )
}

fn sign_off_line(s: &SignOff) -> String {
    let mut line = format!(
        "Signed off by {} at {} UTC for {}: {} grants, inputs SHA-256 {}.",
        s.reviewer,
        s.signed_at.format("%Y-%m-%d %H:%M"),
        s.period.label(),
        s.grants,
        s.inputs_sha256
    );
    if !s.matches_record {
        line.push_str(
            " That period was recorded again since, from other inputs: this sign-off covers the population it names, not the record now.",
        );
    }
    line
}

fn how_to_sign(h: &WeekOverWeek) -> String {
    format!(
        "No sign-off recorded yet. After reading this review: grantlint review sign --history {} --reviewer NAME --decision TEXT --inputs-sha256 {}",
        h.file, h.population.inputs_sha256
    )
}

/// `(5 more: every row is in the JSON review)`.
fn more(total: usize) -> Option<String> {
    (total > ROWS).then(|| {
        format!(
            "and {} more (every row is in `report --format json`)",
            total - ROWS
        )
    })
}

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("—")
}

/// The trend's column heading for a period: its start, as month-day.
fn column(p: &crate::history::PeriodRef) -> String {
    p.since.format("%m-%d").to_string()
}

pub fn markdown(out: &mut String, review: &Review) {
    let Some(h) = &review.history else { return };
    let _ = writeln!(
        out,
        "## Week over week\n\nHistory `{}`: {}.\n\n{}\n",
        cell(&h.file),
        compared_with(h),
        cell(&population(h))
    );
    out.push_str("| findings | count |\n|---|---:|\n");
    for (_, title, rows) in lists(h) {
        let _ = writeln!(out, "| {title} | {} |", rows.len());
    }
    out.push('\n');
    for (_, title, rows) in lists(h) {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "### {title}\n\n| rule | severity | grant | tenant | first seen | periods | weeks open |\n|---|---|---|---|---|---:|---:|"
        );
        for t in rows.iter().take(ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&t.rule),
                t.severity.name(),
                cell(text(&t.grant)),
                cell(text(&t.tenant)),
                t.first_seen.format("%Y-%m-%d"),
                t.periods_open,
                t.weeks_open
            );
        }
        if let Some(more) = more(rows.len()) {
            let _ = writeln!(out, "\n{more}");
        }
        out.push('\n');
    }
    if !h.reappearing.is_empty() {
        out.push_str("### Grants that reappear (fixed, then back)\n\n| grant | tenant | rules | fixed in |\n|---|---|---|---|\n");
        for r in h.reappearing.iter().take(ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(text(&r.grant)),
                cell(text(&r.tenant)),
                cell(&r.rules.join(", ")),
                r.fixed_in.label()
            );
        }
        if let Some(more) = more(h.reappearing.len()) {
            let _ = writeln!(out, "\n{more}");
        }
        out.push('\n');
    }
    let t = &h.trends;
    if !t.rules.is_empty() {
        let _ = writeln!(
            out,
            "### Findings per rule, last {} periods (by start)\n",
            t.periods.len()
        );
        let heads: Vec<String> = t.periods.iter().map(column).collect();
        let _ = writeln!(out, "| rule | {} |", heads.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(heads.len()));
        for rule in &t.rules {
            let counts: Vec<String> = rule.counts.iter().map(usize::to_string).collect();
            let _ = writeln!(out, "| {} | {} |", cell(&rule.rule), counts.join(" | "));
        }
        out.push('\n');
    }
    out.push_str("### Last sign-off\n\n");
    match &h.last_sign_off {
        Some(s) => {
            let _ = writeln!(out, "{}\n", cell(&sign_off_line(s)));
            for d in &s.decisions {
                let _ = writeln!(out, "- {}", cell(d));
            }
            out.push('\n');
        }
        None => {
            let _ = writeln!(out, "{}\n", cell(&how_to_sign(h)));
        }
    }
}

/// One rule's findings over the periods as a small line chart, scaled to its own peak.
fn sparkline(rule: &str, counts: &[usize]) -> Markup {
    const WIDTH: usize = 180;
    const HEIGHT: usize = 28;
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let step = WIDTH / counts.len().max(2).saturating_sub(1).max(1);
    let point = |i: usize, n: usize| (i * step, HEIGHT - 3 - (HEIGHT - 6) * n / max);
    let points: Vec<String> = (counts.iter().enumerate())
        .map(|(i, &n)| {
            let (x, y) = point(i, n);
            format!("{x},{y}")
        })
        .collect();
    let label = format!(
        "{rule}: {}",
        counts
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    html! {
        // Its own size: the page's style stretches other charts to their box.
        svg xmlns="http://www.w3.org/2000/svg" class="trend" width=(WIDTH + 6) height=(HEIGHT) style=(format!("width: {}px; height: {HEIGHT}px", WIDTH + 6)) viewBox=(format!("-3 0 {} {HEIGHT}", WIDTH + 6)) role="img" aria-label=(label) {
            title { (label) }
            polyline points=(points.join(" ")) fill="none" stroke="currentColor" stroke-width="1.5" {}
            @if let Some((i, &n)) = counts.iter().enumerate().next_back() {
                @let (x, y) = point(i, n);
                circle cx=(x) cy=(y) r="2.5" fill="currentColor" {}
            }
        }
    }
}

fn tracked_table(rows: &[Tracked]) -> Markup {
    html! {
        table {
            thead { tr { th { "rule" } th { "severity" } th { "grant" } th { "tenant" } th { "first seen" } th { "periods" } th { "weeks open" } } }
            tbody {
                @for t in rows.iter().take(ROWS) {
                    tr {
                        td { code { (t.rule) } }
                        td { (t.severity.name()) }
                        td { (text(&t.grant)) }
                        td { (text(&t.tenant)) }
                        td { (t.first_seen.format("%Y-%m-%d").to_string()) }
                        td.num { (t.periods_open) }
                        td.num { (t.weeks_open) }
                    }
                }
            }
        }
        @if let Some(more) = more(rows.len()) { p { (more) } }
    }
}

pub fn html(review: &Review) -> Markup {
    let Some(h) = &review.history else {
        return html! {};
    };
    let t = &h.trends;
    html! {
        section #week-over-week {
            h2 { "Week over week" }
            p.meta { "History " code { (h.file) } ": " (compared_with(h)) "." }
            p { (population(h)) }
            table.compact {
                thead { tr { th { "findings" } th { "count" } } }
                tbody {
                    @for (id, title, rows) in lists(h) {
                        tr { th scope="row" { a href=(format!("#history-{id}")) { (title) } } td.num { (rows.len()) } }
                    }
                }
            }
            @for (id, title, rows) in lists(h) {
                @if !rows.is_empty() {
                    h3 #(format!("history-{id}")) { (title) }
                    (tracked_table(rows))
                }
            }
            @if !h.reappearing.is_empty() {
                h3 { "Grants that reappear (fixed, then back)" }
                table {
                    thead { tr { th { "grant" } th { "tenant" } th { "rules" } th { "fixed in" } } }
                    tbody {
                        @for r in h.reappearing.iter().take(ROWS) {
                            tr { td { (text(&r.grant)) } td { (text(&r.tenant)) } td { (r.rules.join(", ")) } td { (r.fixed_in.label()) } }
                        }
                    }
                }
                @if let Some(more) = more(h.reappearing.len()) { p { (more) } }
            }
            @if !t.rules.is_empty() {
                h3 { "Findings per rule, last " (t.periods.len()) " periods" }
                figure.chart #chart-trends {
                    figcaption {
                        "Recorded periods by start, "
                        (t.periods.first().map(|p| p.since.format("%Y-%m-%d").to_string()).unwrap_or_default())
                        " to " (t.periods.last().map(|p| p.since.format("%Y-%m-%d").to_string()).unwrap_or_default())
                        "; each line scaled to its own peak."
                    }
                    table.compact {
                        thead { tr { th { "rule" } th { "trend" } @for p in &t.periods { th.num { (column(p)) } } } }
                        tbody {
                            @for rule in &t.rules {
                                tr {
                                    th scope="row" { code { (rule.rule) } }
                                    td { (sparkline(&rule.rule, &rule.counts)) }
                                    @for n in &rule.counts { td.num { (n) } }
                                }
                            }
                        }
                    }
                }
            }
            h3 { "Last sign-off" }
            @match &h.last_sign_off {
                Some(s) => {
                    p { (sign_off_line(s)) }
                    ul { @for d in &s.decisions { li { (d) } } }
                }
                None => p { (how_to_sign(h)) },
            }
        }
    }
}
