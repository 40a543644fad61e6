//! `report --format html`: one self-contained page (inline style, script and SVG charts, no
//! requests), built with maud, which escapes every value in text and attributes. No export
//! value is ever written into the script: it sorts and filters the table the page already has.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::aggregate::{Change, FindingRow, GrantRef, Review, State};
use super::show;

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");
/// Nothing may load from anywhere: the page is one file.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

pub fn render(review: &Review) -> String {
    let title = format!(
        "Weekly access review, {} to {} UTC",
        show::time(&review.period.since),
        show::time(&review.period.until)
    );
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content=(CSP);
                link rel="icon" href="data:,";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { (title) }
                    p.meta {
                        "Policy " code { (review.policy) } "; now is " (show::time(&review.now)) " UTC; compared with "
                        (show::time(&review.previous_period.since)) " to " (show::time(&review.previous_period.until)) " UTC."
                    }
                }
                (headline(review))
                (charts(review))
                (closeout(review))
                (findings(review))
                (super::history_section::html(review))
                (repeat_tenants(review))
                (people(review))
                (windows(review))
                (grants(review))
                @if !review.input_errors.is_empty() {
                    section #input-errors {
                        h2 { "Inputs that could not be read" }
                        ul {
                            @for e in show::first(&review.input_errors) {
                                li { code { (show::clip(&e.file)) @if let (Some(l), Some(c)) = (e.line, e.column) { ":" (l) ":" (c) } } ": " (show::clip(&e.message)) }
                            }
                        }
                        (more(review.input_errors.len(), "inputs that could not be read"))
                    }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    // Values are escaped by maud; a bidi control inside one would still reorder the page.
    let mut out = crate::core::terminal::shown_safely(&page.into_string()).into_owned();
    out.push('\n');
    out
}

/// A section of the page: its anchor, its heading, then `body`.
fn section(id: &str, title: &str, body: Markup) -> Markup {
    html! {
        section id=(id) {
            h2 { (title) }
            (body)
        }
    }
}

/// A table of `head` over `rows`, or "None." when there are no rows.
fn table_or_none(empty: bool, head: &[&str], rows: Markup) -> Markup {
    html! {
        @if empty { p { "None." } } @else {
            table {
                thead { tr { @for h in head { th { (h) } } } }
                tbody { (rows) }
            }
        }
    }
}

fn opt(value: &Option<String>) -> std::borrow::Cow<'_, str> {
    show::clip(show::text(value))
}

/// The paragraph that says how many rows of `total` a table left out, if any.
fn more(total: usize, what: &str) -> Markup {
    html! { @if let Some(line) = show::more(total, what) { p.more { (line) } } }
}

fn change_row(label: &str, change: &Change, worse_when_up: bool) -> Markup {
    let delta = change.current as i64 - change.previous as i64;
    let class = match (delta.signum(), worse_when_up) {
        (0, _) => "same",
        (1, true) | (-1, false) => "worse",
        _ => "better",
    };
    html! {
        tr {
            th scope="row" { (label) }
            td.num { (change.current) }
            td.num { (change.previous) }
            td.num class=(class) { (change.delta()) }
        }
    }
}

fn verdict(passed: bool) -> Markup {
    html! {
        @if passed { span.badge.pass { "passed" } } @else { span.badge.fail { "failed" } }
    }
}

/// The period's result: an incomplete review is marked as failing is, never as a pass.
fn result(verdict: super::aggregate::Verdict) -> Markup {
    html! {
        @if verdict == super::aggregate::Verdict::Passed {
            span.badge.pass { (verdict.name()) }
        } @else {
            span.badge.fail { (verdict.name()) }
        }
    }
}

fn headline(review: &Review) -> Markup {
    let h = &review.headline;
    section(
        "headline",
        "Headline",
        html! {
            table.compact {
                thead { tr { th {} th { "this period" } th { "previous period" } th { "change" } } }
                tbody {
                    (change_row("Grants", &h.grants, true))
                    (change_row("Tenants touched", &h.tenants, true))
                    (change_row("People with access", &h.people, true))
                    (change_row("Errors", &h.errors, true))
                    (change_row("Warnings", &h.warnings, true))
                    (change_row("Info", &h.infos, true))
                    tr { th scope="row" { "Left out (no readable start)" } td { (h.left_out) } td {} td {} }
                    tr { th scope="row" { "Result" } td { (result(h.result)) } td { (verdict(h.passed_previous)) } td {} }
                }
            }
            @if let Some(note) = show::none_in_period(h) {
                p { (note) }
            }
        },
    )
}

/// A horizontal bar chart: one labelled bar per item.
fn bar_chart(id: &str, title: &str, bars: &[(String, usize)]) -> Markup {
    const ROW: usize = 22;
    const LABEL: usize = 170;
    const WIDTH: usize = 460;
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let height = (bars.len().max(1) * ROW) + 8;
    html! {
        figure.chart #(id) {
            figcaption { (title) }
            svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {WIDTH} {height}")) role="img" aria-label=(title) {
                title { (title) }
                @if bars.is_empty() {
                    text x="0" y="16" class="empty" { "nothing in this period" }
                }
                @for (i, (label, count)) in bars.iter().enumerate() {
                    @let y = i * ROW + 4;
                    @let width = (WIDTH - LABEL - 40) * count / max;
                    g class="bar" {
                        title { (label) ": " (count) }
                        text x=(LABEL - 6) y=(y + 14) text-anchor="end" class="label" { (truncate(label, 26)) }
                        rect x=(LABEL) y=(y) width=(width.max(1)) height=(ROW - 6) rx="2" {}
                        text x=(LABEL + width.max(1) + 4) y=(y + 14) class="value" { (count) }
                    }
                }
            }
        }
    }
}

/// A vertical bar chart for a sequence (days, window buckets).
fn column_chart(id: &str, title: &str, bars: &[(String, usize)]) -> Markup {
    const HEIGHT: usize = 140;
    const BASE: usize = 118;
    const LABELS: usize = 12;
    // About half the width of the longest label ("2026-12", "≤30m").
    const LABEL_HALF: usize = 24;
    let width = 460;
    let slot = width / bars.len().max(1);
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    html! {
        figure.chart #(id) {
            figcaption { (title) }
            svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {width} {HEIGHT}")) role="img" aria-label=(title) {
                title { (title) }
                line x1="0" x2=(width) y1=(BASE) y2=(BASE) class="axis" {}
                @for (i, (label, count)) in bars.iter().enumerate() {
                    @let height = (BASE - 20) * count / max;
                    // A label on every bar while they fit, else on every few.
                    @let labelled = i % bars.len().div_ceil(LABELS).max(1) == 0;
                    @let x = i * slot;
                    g class="bar" {
                        title { (label) ": " (count) }
                        rect x=(x + slot / 6) y=(BASE - height) width=(slot * 2 / 3) height=(height) rx="2" {}
                        @if *count > 0 && bars.len() <= 2 * LABELS {
                            text x=(x + slot / 2) y=(BASE - height - 4) text-anchor="middle" class="value" { (count) }
                        }
                        @if labelled {
                            // Centred under its bar, unless that would cut it at an edge.
                            @let (at, anchor) = match x + slot / 2 {
                                centre if centre < LABEL_HALF => (x, "start"),
                                centre if centre + LABEL_HALF > width => (x + slot, "end"),
                                centre => (centre, "middle"),
                            };
                            text x=(at) y=(BASE + 15) text-anchor=(anchor) class="label" { (label) }
                        }
                    }
                }
            }
        }
    }
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(chars - 1).collect();
        short.push('…');
        short
    }
}

fn charts(review: &Review) -> Markup {
    let by_rule: Vec<(String, usize)> = review
        .findings
        .iter()
        .map(|r| (r.rule.clone(), r.count))
        .collect();
    let windows: Vec<(String, usize)> = review
        .windows
        .histogram
        .iter()
        .map(|b| (b.label.to_string(), b.grants))
        .collect();
    let days: Vec<(String, usize)> = review
        .grants_per_day
        .iter()
        .map(|d| (review.grants_per_day_step.label(d.day), d.grants))
        .collect();
    let tenants: Vec<(String, usize)> = review
        .top_tenants
        .iter()
        .map(|t| (t.name.clone(), t.grants))
        .collect();
    let days_title = match review.grants_per_day_step.name().as_str() {
        "day" => "Grants per day (by start, UTC)".to_string(),
        step => format!("Grants per {step} (by start, UTC)"),
    };
    html! {
        section #charts .charts {
            (bar_chart("chart-findings", "Findings by rule", &by_rule))
            (column_chart("chart-windows", "Grant windows", &windows))
            (column_chart("chart-days", &days_title, &days))
            (bar_chart("chart-tenants", "Top tenants by grants", &tenants))
        }
    }
}

fn grant_cells(g: &GrantRef) -> Markup {
    html! {
        td { (opt(&g.id)) }
        td { (opt(&g.tenant)) }
        td { (opt(&g.grantee)) }
    }
}

fn closeout(review: &Review) -> Markup {
    section(
        "closeout",
        "Closeout",
        html! {
            @if review.closeout.is_empty() {
                p { "Nothing to close out: no grant in the period is still active or outlived its expiry." }
            } @else {
                p { "Open the access record of each and confirm the grant is gone; if it is still active, remove it." }
                table {
                    thead { tr { th { "grant" } th { "tenant" } th { "grantee" } th { "owner" } th { "ticket" } th { "state" } th { "expires" } th { "overdue" } th { "action" } } }
                    tbody {
                        @for c in show::first(&review.closeout) {
                            tr class=(state_class(c.state)) {
                                (grant_cells(&c.grant))
                                td { (opt(&c.grant.owner)) }
                                td { (opt(&c.grant.ticket)) }
                                td { (c.state.label()) }
                                td { (show::opt_time(&c.expires)) }
                                td { (opt(&c.overdue_rounded)) }
                                td { strong { (c.action) } }
                            }
                        }
                    }
                }
                (more(review.closeout.len(), "grants to close out"))
            }
        },
    )
}

fn state_class(state: State) -> &'static str {
    match state {
        State::PastExpiry | State::NoEndRecorded | State::Unknown => "urgent",
        State::EndedLate | State::Active => "attention",
        State::Scheduled | State::Ended | State::Closed => "",
    }
}

fn finding_row(f: &FindingRow) -> Markup {
    html! {
        tr {
            td { span class=(format!("sev {}", f.severity.name())) { (f.severity.name()) } }
            td { (opt(&f.grant)) }
            td { (opt(&f.tenant)) }
            td { (opt(&f.grantee)) }
            td { (opt(&f.approver)) }
            td { (show::clip(&f.message)) }
            td class="where" { (f.file) ":" (f.line) ":" (f.column) }
        }
    }
}

fn findings(review: &Review) -> Markup {
    section(
        "findings",
        "Findings by rule",
        html! {
            @if review.findings.is_empty() { p { "No findings in the period." } }
            @for rule in &review.findings {
                h3 { code { (rule.rule) } " (" (rule.count) ")" }
                table {
                    thead { tr { th { "severity" } th { "grant" } th { "tenant" } th { "grantee" } th { "approver" } th { "message" } th { "where" } } }
                    tbody { @for f in show::first(&rule.findings) { (finding_row(f)) } }
                }
                (more(rule.findings.len(), "findings of this rule"))
            }
            h3 { "Waived and baselined" }
            @if review.suppressed.is_empty() {
                p { "None: no finding in the period is waived or in the baseline." }
            } @else {
                table {
                    thead { tr { th { "rule" } th { "grant" } th { "tenant" } th { "message" } th { "by" } th { "reason" } th { "approver" } th { "expires" } } }
                    tbody {
                        @for s in show::first(&review.suppressed) {
                            tr {
                                td { code { (s.rule) } }
                                td { (opt(&s.finding.grant)) }
                                td { (opt(&s.finding.tenant)) }
                                td { (show::clip(&s.finding.message)) }
                                td { (s.by) }
                                td { (opt(&s.reason)) }
                                td { (opt(&s.approver)) }
                                td { (show::opt_time(&s.expires)) }
                            }
                        }
                    }
                }
                (more(review.suppressed.len(), "waived and baselined findings"))
            }
        },
    )
}

fn repeat_tenants(review: &Review) -> Markup {
    section(
        "repeat-tenants",
        "Repeat tenants",
        html! {
            p {
                "Tenants with " (review.repeat_threshold) " or more grants starting within " (review.repeat_within)
                " of the first (repeat-tenant's findings), one of them in the period. " strong { "Likely a product problem" }
                ": hand the root cause to an owner instead of granting access again."
            }
            @if review.repeat_tenants.is_empty() { p { "None." } }
            @for tenant in show::first(&review.repeat_tenants) {
                h3 { (tenant.tenant) " (" (tenant.grants.len()) " grants) " span.badge.fail { "likely product problem" } }
                @if show::recurring(&tenant.problems).next().is_none() {
                    p { "No reason recurs: each grant gives a different one." }
                } @else {
                    ul.problems {
                        @for p in show::recurring(&tenant.problems) {
                            li {
                                strong { (show::clip(&tenant.tenant)) " needed access " (p.grants) " times" }
                                " for the same problem as “" (show::clip(&p.reason)) "” (shared words: " (show::clip(&p.words.join(", "))) ")"
                                @if !p.tickets.is_empty() { "; tickets " (show::clip(&show::some(&p.tickets))) }
                            }
                        }
                    }
                }
                table {
                    thead { tr { th { "grant" } th { "start" } th { "grantee" } th { "ticket" } th { "reason" } } }
                    tbody {
                        @for g in show::first(&tenant.grants) {
                            tr {
                                td { (opt(&g.id)) }
                                td { (show::time(&g.start)) }
                                td { (opt(&g.grantee)) }
                                td { (opt(&g.ticket)) }
                                td { (opt(&g.reason)) }
                            }
                        }
                    }
                }
                (more(tenant.grants.len(), "grants of this tenant"))
            }
            (more(review.repeat_tenants.len(), "repeat tenants"))
        },
    )
}

fn people(review: &Review) -> Markup {
    let p = &review.people;
    section(
        "people",
        "People",
        html! {
            div.columns {
                @for (who, names) in [("grantee", &p.grantees), ("approver", &p.approvers)] {
                    div {
                        table.compact {
                            thead { tr { th { (who) } th { "grants" } } }
                            tbody { @for n in show::first(names) { tr { td { (show::clip(&n.name)) } td.num { (n.grants) } } } }
                        }
                        (more(names.len(), &format!("{who}s")))
                    }
                }
            }
            h3 { "Self-approvals" }
            (table_or_none(
                p.self_approvals.is_empty(),
                &["grant", "tenant", "grantee", "where"],
                html! { @for g in show::first(&p.self_approvals) { tr { (grant_cells(g)) td class="where" { (g.file) ":" (g.line) } } } },
            ))
            (more(p.self_approvals.len(), "self-approvals"))
            h3 { "Approvals after access began" }
            (table_or_none(
                p.late_approvals.is_empty(),
                &["grant", "tenant", "grantee", "approver", "approved after"],
                html! { @for l in show::first(&p.late_approvals) { tr { (grant_cells(&l.grant)) td { (opt(&l.approver)) } td { (l.after_rounded) } } } },
            ))
            (more(p.late_approvals.len(), "late approvals"))
        },
    )
}

fn windows(review: &Review) -> Markup {
    let w = &review.windows;
    section(
        "windows",
        "Windows",
        html! {
            p {
                "Median window: " strong { (w.median.as_deref().unwrap_or("—")) }
                " (of " (w.measured) " grants with a start and an expiry). Privileged roles: "
                strong { (w.privileged) " of " (review.grants.len()) } " grants (" (show::percent(w.privileged_share)) ")."
            }
        },
    )
}

fn grants(review: &Review) -> Markup {
    let columns = [
        "id", "tenant", "grantee", "role", "reason", "approver", "start", "end", "status",
        "findings",
    ];
    section(
        "grants",
        "All grants in the period",
        html! {
            p.filter {
                label { "Filter " input #grant-filter type="search" placeholder="tenant, person, rule…" autocomplete="off"; }
                " " span #grant-count data-total=(review.grants.len()) { (review.grants.len()) " grants" }
            }
            table #grants-table {
                thead { tr { @for c in columns { th scope="col" { button type="button" { (c) } } } } }
                tbody {
                    @for g in show::first(&review.grants) {
                        tr class=(state_class(g.state)) {
                            td { (opt(&g.grant.id)) }
                            td { (opt(&g.grant.tenant)) }
                            td { (opt(&g.grant.grantee)) }
                            td { (opt(&g.grant.role)) }
                            td.reason title=(opt(&g.grant.reason)) { (opt(&g.grant.reason)) }
                            td { (opt(&g.grant.approver)) }
                            td data-sort=(g.start.map(|t| t.to_rfc3339()).unwrap_or_default()) { (show::opt_time(&g.start)) }
                            td data-sort=(g.end.map(|t| t.to_rfc3339()).unwrap_or_default()) { (show::opt_time(&g.end)) }
                            td { (show::clip(&g.status)) }
                            td data-sort=(format!("{:04}", g.findings.len())) { (g.findings.join(", ")) }
                        }
                    }
                }
            }
            (more(review.grants.len(), "grants"))
            @if !review.undated.is_empty() {
                p {
                    "Grants without a readable start belong to no period and are left out: "
                    @for (i, g) in show::first(&review.undated).iter().enumerate() {
                        @if i > 0 { ", " }
                        (opt(&g.id)) " (" (g.file) ":" (g.line) ")"
                    }
                    "."
                }
                (more(review.undated.len(), "grants without a readable start"))
            }
        },
    )
}

#[cfg(test)]
mod tests {
    /// A year by week is 53 bars of 8 pixels: the first label is set against the chart's
    /// left edge rather than centred past it, where the browser cut it ("-01"); on a chart
    /// whose bars fill the width, the last against the right edge.
    #[test]
    fn labels_at_the_edges_of_a_column_chart_are_not_cut() {
        let bars = |n: usize| -> Vec<(String, usize)> {
            (0..n).map(|w| (format!("w{w:02}-xx"), w)).collect()
        };
        let year = super::column_chart("days", "Grants per week", &bars(53)).into_string();
        assert!(
            year.contains(r#"x="0" y="133" text-anchor="start" class="label">w00-xx<"#),
            "{year}"
        );
        assert!(year.contains(r#"x="44" y="133" text-anchor="middle" class="label">w05-xx<"#));
        // 46 bars of 10 pixels: the last label (bar 44, centred at 445) ends at the bar's end.
        let full = super::column_chart("days", "Grants per day", &bars(46)).into_string();
        assert!(
            full.contains(r#"x="450" y="133" text-anchor="end" class="label">w44-xx<"#),
            "{full}"
        );
        // A few wide bars are centred as before.
        let few = super::column_chart("w", "Windows", &[("≤30m".into(), 3), ("≤1h".into(), 1)]);
        assert!(
            few.into_string()
                .contains(r#"x="115" y="133" text-anchor="middle""#)
        );
    }
}
