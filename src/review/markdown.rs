//! `report --format markdown`: GitHub-flavoured Markdown, for pasting into a ticket or wiki.
//! Every value from an export goes through [`cell`], so it cannot break a table or inject markup.

use std::fmt::Write;

use super::aggregate::{Change, FindingRow, GrantRef, Review};
use super::show;

/// Escapes a value for a table cell or a heading: `|` and Markdown punctuation are
/// backslash-escaped, `<`, `>` and `&` become entities (no raw HTML), and line breaks become
/// `<br>` so a multi-line reason stays in its cell. A value GitHub or GitLab would turn into a
/// link or a mention (a URL, `www.`, an e-mail, `@team`, `#123`) is written as a code span
/// instead ([`inert`]): backslash escapes vanish from the rendered HTML, where GitHub finds
/// mentions and issue references, but nothing inside a code span is ever linked.
pub fn cell(text: &str) -> String {
    let text = show::clip(text);
    if would_link(&text) {
        return inert(&text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            c if c.is_control() => out.push(' '),
            // A bidi control would show a value reordered ("Mina Chen" for its reverse).
            c if crate::core::terminal::is_unsafe(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// True when GitHub or GitLab could make a link or a mention of `text`: a scheme (`://`,
/// `mailto:`), `www.`, an `@` (e-mails, `@user`, `@org/team`), `#`, `!`, `&` or `$` before a
/// digit (issues, merge requests, epics, snippets), `~` or `%` before a letter or digit
/// (GitLab labels and milestones).
fn would_link(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("://")
        || lower.contains("www.")
        || lower.contains("mailto:")
        || text.contains('@')
        || text.as_bytes().windows(2).any(|w| match w[0] {
            b'#' | b'!' | b'&' | b'$' => w[1].is_ascii_digit(),
            b'~' | b'%' => w[1].is_ascii_alphanumeric(),
            _ => false,
        })
}

/// `text` as a code span: shown as written, never a link or a mention. The fence is one
/// backtick longer than the longest run inside; `|` is still escaped, as GFM tables require
/// even in code spans; line breaks and controls become spaces (a code span cannot hold
/// `<br>`), bidi controls U+FFFD.
fn inert(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let mut out = String::with_capacity(text.len() + 2 * fence.len() + 2);
    out.push_str(&fence);
    // A space on each side when the value begins or ends with a backtick (CommonMark
    // strips one space each side).
    let pad = text.starts_with('`') || text.ends_with('`') || text.starts_with(' ');
    if pad {
        out.push(' ');
    }
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            c if c.is_control() => out.push(' '),
            c if crate::core::terminal::is_unsafe(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    if pad {
        out.push(' ');
    }
    out.push_str(&fence);
    out
}

fn opt(value: &Option<String>) -> String {
    cell(show::text(value))
}

/// A table: a header row, then one row per item.
fn table(out: &mut String, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

fn change_row(label: &str, change: &Change) -> Vec<String> {
    vec![
        label.to_string(),
        change.current.to_string(),
        change.previous.to_string(),
        change.delta(),
    ]
}

fn verdict(passed: bool) -> &'static str {
    if passed { "passed" } else { "failed" }
}

fn place(file: &str, line: u32) -> String {
    cell(&format!("{file}:{line}"))
}

fn grant_cells(g: &GrantRef) -> Vec<String> {
    vec![opt(&g.id), opt(&g.tenant), opt(&g.grantee)]
}

fn finding_cells(f: &FindingRow) -> Vec<String> {
    vec![
        f.severity.name().to_string(),
        opt(&f.grant),
        opt(&f.tenant),
        opt(&f.grantee),
        opt(&f.approver),
        cell(&f.message),
        cell(&format!("{}:{}:{}", f.file, f.line, f.column)),
    ]
}

/// The line that says how many rows of `total` a table left out, if any.
fn more(out: &mut String, total: usize, what: &str) {
    if let Some(line) = show::more(total, what) {
        out.push_str(&line);
        out.push_str("\n\n");
    }
}

/// A table, or `none` when there are no rows.
fn table_or<R: IntoIterator<Item = Vec<String>>>(
    out: &mut String,
    none: &str,
    header: &[&str],
    rows: R,
) {
    let mut rows = rows.into_iter().peekable();
    if rows.peek().is_none() {
        out.push_str(none);
        out.push_str("\n\n");
    } else {
        table(out, header, rows);
    }
}

/// The review, section by section, in the order a reader works through it.
pub fn render(review: &Review) -> String {
    let mut out = String::new();
    for section in [
        title,
        headline,
        closeout,
        findings,
        super::history_section::markdown,
        repeat_tenants,
        people,
        windows,
        grants,
        input_errors,
    ] {
        section(&mut out, review);
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn title(out: &mut String, review: &Review) {
    let _ = writeln!(
        out,
        "# Weekly access review, {} to {} UTC\n\nPolicy `{}`; now is {} UTC; compared with {} to {} UTC.\n",
        show::time(&review.period.since),
        show::time(&review.period.until),
        cell(&review.policy),
        show::time(&review.now),
        show::time(&review.previous_period.since),
        show::time(&review.previous_period.until),
    );
}

fn headline(out: &mut String, review: &Review) {
    let h = &review.headline;
    out.push_str("## Headline\n\n");
    table(
        out,
        &["", "this period", "previous period", "change"],
        [
            change_row("Grants", &h.grants),
            change_row("Tenants touched", &h.tenants),
            change_row("People with access", &h.people),
            change_row("Errors", &h.errors),
            change_row("Warnings", &h.warnings),
            change_row("Info", &h.infos),
            vec![
                "Left out (no readable start)".into(),
                h.left_out.to_string(),
                String::new(),
                String::new(),
            ],
            vec![
                "Result".into(),
                format!("**{}**", h.result.name()),
                verdict(h.passed_previous).into(),
                String::new(),
            ],
        ],
    );
    if let Some(note) = show::none_in_period(h) {
        let _ = writeln!(out, "{note}\n");
    }
}

fn closeout(out: &mut String, review: &Review) {
    out.push_str("## Closeout\n\n");
    if review.closeout.is_empty() {
        out.push_str("Nothing to close out: no grant in the period is still active or outlived its expiry.\n\n");
        return;
    }
    out.push_str("Open the access record of each and confirm the grant is gone; if it is still active, remove it.\n\n");
    table(
        out,
        &[
            "grant", "tenant", "grantee", "owner", "ticket", "state", "expires", "overdue",
            "action",
        ],
        show::first(&review.closeout).iter().map(|c| {
            let mut row = grant_cells(&c.grant);
            row.extend([
                opt(&c.grant.owner),
                opt(&c.grant.ticket),
                c.state.label().into(),
                show::opt_time(&c.expires),
                opt(&c.overdue_rounded),
                format!("**{}**", c.action),
            ]);
            row
        }),
    );
    more(out, review.closeout.len(), "grants to close out");
}

/// The open findings, rule by rule, then the waived and baselined ones.
fn findings(out: &mut String, review: &Review) {
    out.push_str("## Findings by rule\n\n");
    if review.findings.is_empty() {
        out.push_str("No findings in the period.\n\n");
    }
    for rule in &review.findings {
        let _ = writeln!(out, "### {} ({})\n", rule.rule, rule.count);
        table(
            out,
            &[
                "severity", "grant", "tenant", "grantee", "approver", "message", "where",
            ],
            show::first(&rule.findings).iter().map(finding_cells),
        );
        more(out, rule.findings.len(), "findings of this rule");
    }
    out.push_str("### Waived and baselined\n\n");
    table_or(
        out,
        "None: no finding in the period is waived or in the baseline.",
        &[
            "rule", "grant", "tenant", "message", "by", "reason", "approver", "expires",
        ],
        show::first(&review.suppressed).iter().map(|s| {
            vec![
                s.rule.clone(),
                opt(&s.finding.grant),
                opt(&s.finding.tenant),
                cell(&s.finding.message),
                s.by.into(),
                opt(&s.reason),
                opt(&s.approver),
                show::opt_time(&s.expires),
            ]
        }),
    );
    more(
        out,
        review.suppressed.len(),
        "waived and baselined findings",
    );
}

fn repeat_tenants(out: &mut String, review: &Review) {
    out.push_str("## Repeat tenants\n\n");
    let _ = writeln!(
        out,
        "Tenants with {} or more grants starting within {} of the first (repeat-tenant's findings), \
         one of them in the period. \
         **Likely a product problem**: hand the root cause to an owner instead of granting access again.\n",
        review.repeat_threshold, review.repeat_within
    );
    if review.repeat_tenants.is_empty() {
        out.push_str("None.\n\n");
    }
    for tenant in show::first(&review.repeat_tenants) {
        let _ = writeln!(
            out,
            "### {} ({} grants)\n",
            cell(&tenant.tenant),
            tenant.grants.len()
        );
        problems(out, tenant);
        table(
            out,
            &["grant", "start", "grantee", "ticket", "reason"],
            show::first(&tenant.grants).iter().map(|g| {
                vec![
                    opt(&g.id),
                    show::time(&g.start),
                    opt(&g.grantee),
                    opt(&g.ticket),
                    opt(&g.reason),
                ]
            }),
        );
        more(out, tenant.grants.len(), "grants of this tenant");
    }
    more(out, review.repeat_tenants.len(), "repeat tenants");
}

/// A repeat tenant's recurring problems: its reasons grouped by the words they share.
fn problems(out: &mut String, tenant: &super::aggregate::RepeatTenant) {
    for p in show::recurring(&tenant.problems) {
        let tickets = if p.tickets.is_empty() {
            String::new()
        } else {
            format!("; tickets {}", cell(&show::some(&p.tickets)))
        };
        let _ = writeln!(
            out,
            "- **{} needed access {} times** for the same problem as \"{}\" (shared words: {}){tickets}",
            cell(&tenant.tenant),
            p.grants,
            cell(&p.reason),
            cell(&p.words.join(", ")),
        );
    }
    if show::recurring(&tenant.problems).next().is_some() {
        out.push('\n');
    } else {
        out.push_str("No reason recurs: each grant gives a different one.\n\n");
    }
}

fn people(out: &mut String, review: &Review) {
    out.push_str("## People\n\n");
    for (who, names) in [
        ("grantee", &review.people.grantees),
        ("approver", &review.people.approvers),
    ] {
        table(
            out,
            &[who, "grants"],
            show::first(names)
                .iter()
                .map(|n| vec![cell(&n.name), n.grants.to_string()]),
        );
        more(out, names.len(), &format!("{who}s"));
    }
    out.push_str("### Self-approvals\n\n");
    table_or(
        out,
        "None.",
        &["grant", "tenant", "grantee", "where"],
        show::first(&review.people.self_approvals).iter().map(|g| {
            let mut row = grant_cells(g);
            row.push(place(&g.file, g.line));
            row
        }),
    );
    more(out, review.people.self_approvals.len(), "self-approvals");
    out.push_str("### Approvals after access began\n\n");
    table_or(
        out,
        "None.",
        &["grant", "tenant", "grantee", "approver", "approved after"],
        show::first(&review.people.late_approvals).iter().map(|l| {
            let mut row = grant_cells(&l.grant);
            row.extend([opt(&l.approver), l.after_rounded.clone()]);
            row
        }),
    );
    more(out, review.people.late_approvals.len(), "late approvals");
}

fn windows(out: &mut String, review: &Review) {
    out.push_str("## Windows\n\n");
    let w = &review.windows;
    table(
        out,
        &["window", "grants"],
        w.histogram
            .iter()
            .map(|b| vec![b.label.to_string(), b.grants.to_string()]),
    );
    let _ = writeln!(
        out,
        "Median window: {} (of {} grants with a start and an expiry). Privileged roles: {} of {} grants ({}).\n",
        w.median.as_deref().unwrap_or("—"),
        w.measured,
        w.privileged,
        review.grants.len(),
        show::percent(w.privileged_share)
    );
}

/// Every grant in the period, then the ones no period holds.
fn grants(out: &mut String, review: &Review) {
    out.push_str("## All grants in the period\n\n");
    table_or(
        out,
        "No grant's window overlaps the period.",
        &[
            "id", "tenant", "grantee", "role", "reason", "approver", "start", "end", "status",
            "findings",
        ],
        show::first(&review.grants).iter().map(|g| {
            let mut row: Vec<String> = g.texts().into_iter().map(opt).collect();
            row.extend([
                show::opt_time(&g.start),
                show::opt_time(&g.end),
                cell(&g.status),
                g.findings.join(", "),
            ]);
            row
        }),
    );
    more(out, review.grants.len(), "grants");
    if !review.undated.is_empty() {
        let ids: Vec<String> = show::first(&review.undated)
            .iter()
            .map(|g| format!("{} ({})", opt(&g.id), place(&g.file, g.line)))
            .collect();
        let _ = writeln!(
            out,
            "Grants without a readable start belong to no period and are left out: {}.\n",
            ids.join(", ")
        );
        more(out, review.undated.len(), "grants without a readable start");
    }
}

fn input_errors(out: &mut String, review: &Review) {
    if review.input_errors.is_empty() {
        return;
    }
    out.push_str("## Inputs that could not be read\n\n");
    for e in show::first(&review.input_errors) {
        let at = match (e.line, e.column) {
            (Some(l), Some(c)) => format!(":{l}:{c}"),
            _ => String::new(),
        };
        let _ = writeln!(out, "- {}{at}: {}", cell(&e.file), cell(&e.message));
    }
    out.push('\n');
    more(
        out,
        review.input_errors.len(),
        "inputs that could not be read",
    );
}

#[cfg(test)]
mod tests {
    use super::cell;

    /// Renders `values` as one table column with GitHub's extensions (tables, autolinks) and
    /// returns the HTML.
    fn rendered(values: &[&str]) -> String {
        let mut md = String::from("| value | after |\n|---|---|\n");
        for v in values {
            md.push_str(&format!("| {} | end |\n", cell(v)));
        }
        let mut options = comrak::Options::default();
        options.extension.table = true;
        options.extension.autolink = true;
        options.extension.strikethrough = true;
        comrak::markdown_to_html(&md, &options)
    }

    /// The HTML outside `<code>` elements: where GitHub and GitLab look for mentions and
    /// references.
    fn outside_code(html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        while let Some(at) = rest.find("<code>") {
            out.push_str(&rest[..at]);
            rest = rest[at..].split_once("</code>").map_or("", |(_, r)| r);
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn export_values_never_become_links_or_mentions() {
        let hostile = [
            "https://evil.example/login",
            "see www.evil.example now",
            "support@vendor.io",
            "@acme/security-team please look",
            "cc @ravi",
            "fixes #123",
            "GitLab !42 and &7 and ~urgent and %v1",
            "mailto:a@b.c",
            "``https://x.example`` | split",
            "[click](https://evil.example)",
            "<https://evil.example>",
        ];
        let html = rendered(&hostile);
        assert!(!html.contains("<a "), "a link was made:\n{html}");
        let text = outside_code(&html);
        for marker in ["@", "://", "www.", "#1", "!4", "&amp;7", "~u", "%v"] {
            assert!(
                !text.contains(marker),
                "`{marker}` outside a code span:\n{html}"
            );
        }
        // Every row kept its two cells: nothing split a table row.
        assert_eq!(
            html.matches("<td>end</td>").count(),
            hostile.len(),
            "{html}"
        );
        // Shown as written.
        assert!(html.contains("<code>support@vendor.io</code>"), "{html}");
        assert!(
            html.contains("<code>``https://x.example`` | split</code>"),
            "{html}"
        );
    }

    #[test]
    fn plain_values_stay_plain_text() {
        let html = rendered(&[
            "Ravi Patel",
            "Investigate SSO login for tenant",
            "R&D 50% done",
        ]);
        assert!(!html.contains("<code>"), "{html}");
        assert!(html.contains("R&amp;D 50% done"), "{html}");
    }

    #[test]
    fn cells_cannot_break_a_table_or_inject_markup() {
        assert_eq!(cell("a | b"), "a \\| b");
        assert_eq!(
            cell("line one\r\nline two\nthree"),
            "line one<br>line two<br>three"
        );
        assert_eq!(
            cell("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            cell("[x](javascript:1) **b** `c`"),
            "\\[x\\](javascript:1) \\*\\*b\\*\\* \\`c\\`"
        );
        assert_eq!(cell("a\\|b"), "a\\\\\\|b");
    }
}
